package io.grokwatch.cli.report.sweep;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.cli.report.ReportAssembler;
import io.grokwatch.cli.report.ReportWriter;
import io.grokwatch.cli.report.RunRecords;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;

/**
 * Writes a sweep's report into a directory: {@code index.html} (phase diagram, heatmaps, width chart, run table),
 * {@code sweep.json} with the same data, and every run's own report under {@code runs/}.
 *
 * <pre>{@code
 * Path index = SweepReport.write(kafkaProps, "sw-20261202-160000", Path.of("reports/sw-1"), detector, err);
 * // or, with more settings:
 * SweepReport.Written w = SweepReport.builder().detector(detector).axes(List.of("lr", "weightDecay")).build()
 *         .write(records, dir);
 * }</pre>
 */
public final class SweepReport {
    /** The sweep page's file name in the report directory. */
    public static final String INDEX = "index.html";
    /** The summary's file name in the report directory. */
    public static final String JSON = "sweep.json";

    private final DetectorConfig detector;
    private final int topK;
    private final int maxPoints;
    private final List<String> axes;
    private final Clock clock;
    private final Duration timeout;
    private final PrintWriter progress;

    private SweepReport(Builder b) {
        this.detector = b.detector;
        this.topK = b.topK;
        this.maxPoints = b.maxPoints;
        this.axes = List.copyOf(b.axes);
        this.clock = b.clock;
        this.timeout = b.timeout;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the sweep from Kafka and writes its report into {@code dir}; returns the index page's absolute path.
     * For {@code grokwatch sweep} at the end of a sweep.
     *
     * @throws KafkaSweepReader.UnknownSweepException when Kafka holds no run or job of the sweep
     */
    public static Path write(Properties kafka, String sweepId, Path dir, DetectorConfig detector, PrintWriter progress)
            throws IOException, TimeoutException {
        return builder()
                .detector(detector)
                .progress(progress)
                .build()
                .write(kafka, sweepId, dir)
                .index();
    }

    /** Reads the sweep from Kafka (within the timeout), then writes as {@link #write(SweepRecords, Path)}. */
    public Written write(Properties kafka, String sweepId, Path dir) throws IOException, TimeoutException {
        SweepRecords records = KafkaSweepReader.builder()
                .clientProperties(kafka)
                .sweep(sweepId)
                .timeout(timeout)
                .progress(progress)
                .build()
                .read();
        return write(records, dir);
    }

    /** Writes the report of recorded sweep data into {@code dir} (created if needed). */
    public Written write(SweepRecords records, Path dir) throws IOException {
        SweepSummary summary = SweepSummary.of(records, detector, axes);
        Path root = dir.toAbsolutePath();
        Files.createDirectories(root);
        ReportAssembler assembler = new ReportAssembler(detector, topK, maxPoints);
        ReportWriter runWriter = ReportWriter.builder().clock(clock).build();
        int done = 0;
        int withSteps =
                (int) summary.runs().stream().filter(r -> r.report() != null).count();
        for (SweepRun r : summary.runs()) {
            if (r.report() == null) continue;
            RunRecords rr = records.runs().get(r.run());
            runWriter.write(assembler.assemble(rr), root.resolve(r.report()));
            done++;
            if (progress != null && (done % 10 == 0 || done == withSteps)) {
                progress.println("run reports: " + done + " of " + withSteps);
                progress.flush();
            }
        }
        Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
        Path json = atomicWrite(root.resolve(JSON), SweepJson.toJson(summary, now, detectorMap()));
        Path index = atomicWrite(root.resolve(INDEX), SweepPage.render(summary, now, detectorNote()));
        return new Written(index, json, summary);
    }

    private String detectorNote() {
        return "reached = accuracy >= " + detector.trainThreshold() + " (train) / " + detector.valThreshold()
                + " (val); grokking when t_val - t_train >= " + detector.grokGapSteps() + " steps";
    }

    private Map<String, Object> detectorMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainThreshold", detector.trainThreshold());
        m.put("valThreshold", detector.valThreshold());
        m.put("grokGapSteps", detector.grokGapSteps());
        m.put("smoothingWindow", detector.smoothingWindow());
        return m;
    }

    private static Path atomicWrite(Path target, String text) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".sweep-", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * What a report wrote.
     *
     * @param index the sweep page
     * @param json the summary for notebooks
     */
    public record Written(Path index, Path json, SweepSummary summary) {}

    /** Configures a {@link SweepReport}. */
    public static final class Builder {
        private DetectorConfig detector = DetectorConfig.defaults();
        private int topK = StructureAnalyzer.DEFAULT_TOP_K;
        private int maxPoints = ReportAssembler.DEFAULT_MAX_POINTS;
        private List<String> axes = List.of();
        private Clock clock = Clock.systemUTC();
        private Duration timeout = Duration.ofMinutes(5);
        private PrintWriter progress;

        private Builder() {}

        /** The detector settings that classify every run; the defaults unless given. */
        public Builder detector(DetectorConfig detector) {
            if (detector == null) throw new IllegalArgumentException("detector must not be null");
            this.detector = detector;
            return this;
        }

        /** Key Fourier frequencies in the run reports' structure analysis. */
        public Builder topK(int topK) {
            if (topK < 1) throw new IllegalArgumentException("topK must be >= 1, got " + topK);
            this.topK = topK;
            return this;
        }

        /** Most step records plotted per run report. */
        public Builder maxPoints(int maxPoints) {
            if (maxPoints < 2) throw new IllegalArgumentException("maxPoints must be >= 2, got " + maxPoints);
            this.maxPoints = maxPoints;
            return this;
        }

        /** The settings (by name, at most two) the diagram is drawn over; by default the grid's first two axes. */
        public Builder axes(List<String> axes) {
            if (axes == null || axes.size() > 2)
                throw new IllegalArgumentException("axes must name at most two settings, got " + axes);
            this.axes = List.copyOf(axes);
            return this;
        }

        /** The clock that stamps the pages; UTC system clock by default. */
        public Builder clock(Clock clock) {
            if (clock == null) throw new IllegalArgumentException("clock must not be null");
            this.clock = clock;
            return this;
        }

        /** How long reading the sweep from Kafka may take; 5 minutes by default. */
        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero())
                throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            this.timeout = timeout;
            return this;
        }

        /** Where progress lines go (reading, run reports); none by default. */
        public Builder progress(PrintWriter progress) {
            this.progress = progress;
            return this;
        }

        public SweepReport build() {
            return new SweepReport(this);
        }
    }
}
