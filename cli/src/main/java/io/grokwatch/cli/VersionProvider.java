package io.grokwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * grokwatch's version: the jar manifest's Implementation-Version, else the build's version
 * file; plus the git commit when the launcher passes {@code -Dgrokwatch.git.commit}.
 */
public final class VersionProvider implements IVersionProvider {
    /** The version of this build, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        String fromManifest = VersionProvider.class.getPackage().getImplementationVersion();
        if (fromManifest != null) {
            return fromManifest;
        }
        try (InputStream in = VersionProvider.class.getResourceAsStream("/grokwatch-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read grokwatch-version.properties: " + e.getMessage(), e);
        }
    }

    /** The git commit the launcher found, or null outside a git checkout. */
    public static String gitCommit() {
        String commit = System.getProperty("grokwatch.git.commit");
        return commit == null || commit.isBlank() ? null : commit;
    }

    @Override
    public String[] getVersion() {
        String commit = gitCommit();
        return new String[] {
            "grokwatch " + version() + (commit == null ? "" : " (git " + commit + ")"),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        };
    }
}
