package io.grokwatch.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a run's report as one self-contained HTML page: the charting library and the data are
 * inlined, so the file opens anywhere without a network.
 *
 * <pre>{@code
 * ReportWriter writer = ReportWriter.builder().clock(Clock.systemUTC()).build();
 * Path page = writer.write(model, Path.of("reports/run-1.html"));
 * }</pre>
 */
public final class ReportWriter {

    private static final String TEMPLATE = "/io/grokwatch/cli/report/report-template.html";

    private final Clock clock;
    private final Supplier<String> library;
    private final String libraryVersion;

    private ReportWriter(Builder b) {
        this.clock = b.clock;
        this.library = b.library;
        this.libraryVersion = b.libraryVersion;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The page's HTML. */
    public String render(ReportModel model) {
        String template = template();
        Map<String, String> values = Map.of(
                "TITLE", escapeHtml("grokwatch report: " + model.run()),
                "GENERATED",
                        escapeHtml(Instant.now(clock)
                                .truncatedTo(ChronoUnit.SECONDS)
                                .toString()),
                "ECHARTS_VERSION", escapeHtml(libraryVersion),
                "DATA", ReportJson.toScriptSafeJson(model),
                "ECHARTS", library.get());
        return substitute(template, values);
    }

    /**
     * Writes the page to {@code file} (creating its directory) through a temporary file, so a
     * reader never sees half a report; returns the absolute path.
     */
    public Path write(ReportModel model, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".report-", ".html.tmp");
        try {
            Files.writeString(tmp, render(model), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /** The report's file name for a run: the run id with anything but letters, digits, '.', '_' and '-' as '_'. */
    public static String fileName(String run) {
        String safe = run.replaceAll("[^A-Za-z0-9._-]", "_");
        return (safe.startsWith(".") ? "_" + safe.substring(1) : safe) + ".html";
    }

    /** Replaces each {@code @@NAME@@} in one pass, so substituted text is never scanned again. */
    static String substitute(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length()
                + values.values().stream().mapToInt(String::length).sum());
        int i = 0;
        while (true) {
            int start = template.indexOf("@@", i);
            if (start < 0) break;
            int end = template.indexOf("@@", start + 2);
            if (end < 0) break;
            String name = template.substring(start + 2, end);
            String value = values.get(name);
            if (value == null)
                throw new IllegalStateException("report template names @@" + name + "@@, which has no value");
            out.append(template, i, start).append(value);
            i = end + 2;
        }
        return out.append(template, i, template.length()).toString();
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String template() {
        try (InputStream in = ReportWriter.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) throw new IllegalStateException("classpath resource " + TEMPLATE + " is missing");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TEMPLATE, e);
        }
    }

    /** Configures a {@link ReportWriter}. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Supplier<String> library = ChartLibrary::echarts;
        private String libraryVersion;

        private Builder() {}

        /** The clock that stamps the page's generation time; UTC system clock by default. */
        public Builder clock(Clock clock) {
            if (clock == null) throw new IllegalArgumentException("clock must not be null");
            this.clock = clock;
            return this;
        }

        public ReportWriter build() {
            if (libraryVersion == null) libraryVersion = ChartLibrary.echartsVersion();
            return new ReportWriter(this);
        }
    }
}
