package io.grokwatch.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The ECharts script, read from the {@code org.webjars.npm:echarts} WebJar on the classpath so
 * reports can inline it (self-contained pages) without the library living in this repository.
 */
public final class ChartLibrary {

    private static final String POM_PROPERTIES = "META-INF/maven/org.webjars.npm/echarts/pom.properties";
    private static final String SCRIPT = "META-INF/resources/webjars/echarts/%s/dist/echarts.min.js";

    private static volatile String cached;
    private static volatile String cachedVersion;

    private ChartLibrary() {}

    /** The minified ECharts source. */
    public static String echarts() {
        String s = cached;
        if (s == null) {
            synchronized (ChartLibrary.class) {
                if (cached == null) cached = read(String.format(SCRIPT, echartsVersion()));
                s = cached;
            }
        }
        return s;
    }

    /** The ECharts version on the classpath, e.g. {@code 5.3.1}. */
    public static String echartsVersion() {
        String v = cachedVersion;
        if (v == null) {
            Properties p = new Properties();
            try (InputStream in = open(POM_PROPERTIES)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + POM_PROPERTIES, e);
            }
            v = p.getProperty("version");
            if (v == null) throw new IllegalStateException(POM_PROPERTIES + " has no 'version'");
            cachedVersion = v;
        }
        return v;
    }

    private static String read(String resource) {
        try (InputStream in = open(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static InputStream open(String resource) {
        InputStream in = ChartLibrary.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(
                    "classpath resource " + resource
                            + " is missing: the org.webjars.npm:echarts jar must be on the classpath (rebuild with ./grokwatch)");
        }
        return in;
    }
}
