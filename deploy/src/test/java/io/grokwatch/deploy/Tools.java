package io.grokwatch.deploy;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** External programs the deploy tests run, and what to do when one is missing. */
final class Tools {
    /** Debian package that provides each binary, for the message that says how to get it. */
    private static final Map<String, String> PACKAGES = Map.of(
            "promtool", "prometheus",
            "prometheus", "prometheus",
            "prometheus-alertmanager", "prometheus-alertmanager",
            "amtool", "prometheus-alertmanager",
            "docker-compose", "docker-compose",
            "node", "nodejs",
            "npm", "npm");

    private Tools() {}

    /**
     * The binary's path. When it is missing the calling test fails if env CI=true (CI installs it)
     * and is skipped otherwise, with a message saying how to install it.
     */
    static Path require(String binary) {
        Optional<Path> found = find(binary);
        String why = binary + " is not on PATH (install it: apt-get install -y " + PACKAGES.getOrDefault(binary, binary)
                + ")";
        if (found.isEmpty() && "true".equals(System.getenv("CI"))) fail(why + "; CI=true requires it");
        assumeTrue(found.isPresent(), why + "; skipping");
        return found.get();
    }

    static Optional<Path> find(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
