package io.grokwatch.cli;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.cli.report.JsonlRunReader;
import io.grokwatch.cli.report.KafkaRunReader;
import io.grokwatch.cli.report.ReportAssembler;
import io.grokwatch.cli.report.ReportModel;
import io.grokwatch.cli.report.ReportWriter;
import io.grokwatch.cli.report.RunRecords;
import io.grokwatch.cli.report.sweep.JsonlSweepReader;
import io.grokwatch.cli.report.sweep.SweepReport;
import io.grokwatch.cli.report.sweep.SweepRun;
import io.grokwatch.cli.report.sweep.SweepSummary;
import io.grokwatch.events.FinalClass;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch report}: one self-contained HTML page about one run, from a .jsonl file or Kafka; or, with
 * {@code --sweep ID}, the report of a whole sweep (phase diagram, heatmaps, every run's report) from Kafka.
 */
@Command(
        name = "report",
        modelTransformer = DetectorFlags.class,
        description = {
            "Writes one self-contained HTML report of a run: train/val accuracy and loss against step (log axis) "
                    + "with the phases shaded and transitions marked, the analyzer's t_val forecast over time against the "
                    + "true t_val, weight norm, the Fourier spectrum, PCA and key-frequency "
                    + "circle of the embeddings before, during and after grokking, and the transitions and alerts.",
            "Reads FILE.jsonl (step and embedding_snapshot records, one per line), or, without a file, "
                    + "the records of --run RUN from Kafka. Transitions and alerts are recomputed with the analyzer's detector.",
            "With --sweep ID, reads every run of the sweep from Kafka (or from FILE as a directory of .jsonl files) "
                    + "and writes OUT/index.html: the phase diagram "
                    + "(Liu et al. 2022) over the grid's two axes, heatmaps of t_train, t_val and the delay, val accuracy "
                    + "against width at fixed steps when an axis is a width, a table of the runs, OUT/sweep.json with the "
                    + "same data and each run's report under OUT/runs/."
        })
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "FILE.jsonl",
            description = "A recorded run; without it the run is read from Kafka. With --sweep: a directory of "
                    + ".jsonl files holding the sweep's records (run_started or job lines name its runs).")
    Path file;

    @Option(
            names = "--run",
            paramLabel = "RUN",
            description = "The run id; required with Kafka, picks one run of a file that holds several.")
    String run;

    @Option(
            names = "--sweep",
            paramLabel = "ID",
            description = "Report on every run of this sweep (read from Kafka) instead of one run.")
    String sweep;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "With --sweep: the directory for the sweep's pages (default: REPORT-DIR/ID).")
    Path outDir;

    @Option(
            names = "--axes",
            paramLabel = "NAME[,NAME]",
            description = "With --sweep: the one or two grid settings to draw the diagram over (default: the grid's "
                    + "first two axes, in the sweep's --grid order), e.g. weight-decay,train-fraction.")
    String axesSpec;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE.html",
            description = "Where to write the report (default: REPORT-DIR/RUN.html).")
    Path output;

    @Option(
            names = "--report-dir",
            paramLabel = "DIR",
            defaultValue = "reports",
            description = "Directory for the report when --output is not given.")
    Path reportDir;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description = "How long reading the run (or the sweep) from Kafka may take.")
    int timeoutSeconds;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "" + StructureAnalyzer.DEFAULT_TOP_K,
            description = "Key Fourier frequencies counted in the structure analysis (the live analyzer's default).")
    int topK;

    @Option(
            names = "--max-points",
            paramLabel = "N",
            defaultValue = "" + ReportAssembler.DEFAULT_MAX_POINTS,
            description = "Most step records plotted; longer runs are thinned out (log-spaced, transitions kept).")
    int maxPoints;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        if (sweep != null) return sweepReport(out);
        RunRecords records;
        if (file != null) {
            records = JsonlRunReader.read(file, run);
        } else {
            out.println("reading run '" + run + "' from Kafka at " + kafka.bootstrapServers() + " ...");
            out.flush();
            records = KafkaRunReader.builder()
                    .clientProperties(kafka.clientProperties())
                    .run(run)
                    .timeout(Duration.ofSeconds(timeoutSeconds))
                    .build()
                    .read();
        }
        ReportModel model = new ReportAssembler(DetectorFlags.config(spec), topK, maxPoints).assemble(records);
        Path target = output != null ? output : reportDir.resolve(ReportWriter.fileName(records.run()));
        Path written = ReportWriter.builder().build().write(model, target);
        out.println(summaryLine(model));
        out.println("report: " + written);
        out.flush();
        return 0;
    }

    private int sweepReport(PrintWriter out) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        err.println("reading sweep '" + sweep + "' from "
                + (file != null ? file : "Kafka at " + kafka.bootstrapServers()) + " ...");
        err.flush();
        Path dir = outDir != null ? outDir : reportDir.resolve(sweep.replaceAll("[^A-Za-z0-9._-]", "_"));
        SweepReport report = SweepReport.builder()
                .detector(DetectorFlags.config(spec))
                .topK(topK)
                .maxPoints(maxPoints)
                .axes(axes())
                .timeout(Duration.ofSeconds(timeoutSeconds))
                .progress(err)
                .build();
        SweepReport.Written w = file != null
                ? report.write(JsonlSweepReader.read(file, sweep), dir)
                : report.write(kafka.clientProperties(), sweep, dir);
        out.println(sweepLine(w.summary()));
        out.println("report: " + w.index());
        out.println("data: " + w.json());
        out.flush();
        return 0;
    }

    /** e.g. {@code sweep sw-1: 12 runs over weight-decay x train-fraction; comprehension 3, grokking 7, ...}. */
    static String sweepLine(SweepSummary s) {
        StringBuilder b = new StringBuilder("sweep ")
                .append(s.sweep())
                .append(": ")
                .append(s.runs().size());
        b.append(" runs");
        if (!s.axes().isEmpty()) {
            b.append(" over ")
                    .append(String.join(
                            " x ", s.axes().stream().map(a -> a.label()).toList()));
        }
        Map<FinalClass, Integer> counts = s.classCounts();
        String sep = "; ";
        for (FinalClass c : FinalClass.values()) {
            b.append(sep).append(c.name().toLowerCase(Locale.ROOT)).append(' ').append(counts.getOrDefault(c, 0));
            sep = ", ";
        }
        long running = s.runs().stream()
                .filter(r -> r.status().equals(SweepRun.RUNNING))
                .count();
        long missing = s.runs().stream()
                .filter(r -> r.status().equals(SweepRun.MISSING))
                .count();
        if (running > 0) b.append(", running ").append(running);
        if (missing > 0) b.append(", not started ").append(missing);
        return b.toString();
    }

    /** The --axes settings by name; empty without the flag. */
    private List<String> axes() {
        if (axesSpec == null) return List.of();
        return Arrays.stream(axesSpec.split(",", -1))
                .map(ReportCommand::settingName)
                .toList();
    }

    /** {@code weight-decay} (train's flag) or {@code weightDecay} (the setting) both name the setting. */
    static String settingName(String axis) {
        String a = axis.strip();
        if (a.startsWith("--")) a = a.substring(2);
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : a.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    /** e.g. {@code run r1: GROKKING, t_train 55, t_val 2400, delay 2345 steps, 1001 step records, 21 snapshots}. */
    static String summaryLine(ReportModel m) {
        RunSummary s = m.summary();
        return "run " + m.run() + ": " + s.finalClass() + ", t_train " + orDash(s.tTrain()) + ", t_val "
                + orDash(s.tVal())
                + ", delay " + orDash(s.delay()) + " steps, " + m.stepCount() + " step records, "
                + m.structure().size() + " snapshots";
    }

    private static String orDash(Long v) {
        return v == null ? "-" : String.valueOf(v);
    }

    private void validate() {
        if (sweep != null) {
            if (sweep.isBlank()) throw new ParameterException(spec.commandLine(), "--sweep must not be empty");
            if (run != null) {
                throw new ParameterException(spec.commandLine(), "--sweep reports on a whole sweep; leave out --run");
            }
            if (file != null && !Files.isDirectory(file)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "with --sweep, " + file
                                + " must be a directory of .jsonl files (or leave it out to read Kafka)");
            }
            if (output != null)
                throw new ParameterException(spec.commandLine(), "--sweep writes a directory: use --out DIR, not -o");
            if (axes().size() > 2 || axes().stream().anyMatch(String::isEmpty)) {
                throw new ParameterException(
                        spec.commandLine(), "--axes takes one or two settings, e.g. weight-decay,lr; got " + axesSpec);
            }
        } else if (outDir != null || axesSpec != null) {
            throw new ParameterException(spec.commandLine(), "--out and --axes go with --sweep ID");
        }
        if (sweep == null && file == null && (run == null || run.isBlank())) {
            throw new ParameterException(
                    spec.commandLine(), "give a FILE.jsonl, or --run RUN to read the run from Kafka");
        }
        if (sweep == null && file != null && !Files.isRegularFile(file)) {
            throw new ParameterException(
                    spec.commandLine(), "FILE.jsonl " + file + ": no such file; pass a recorded run");
        }
        if (timeoutSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--timeout must be >= 1 second, got " + timeoutSeconds);
        }
        if (topK < 1) throw new ParameterException(spec.commandLine(), "--top-k must be >= 1, got " + topK);
        if (maxPoints < 10)
            throw new ParameterException(spec.commandLine(), "--max-points must be >= 10, got " + maxPoints);
    }
}
