package io.grokwatch.cli;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.cli.report.JsonlRunReader;
import io.grokwatch.cli.report.KafkaRunReader;
import io.grokwatch.cli.report.ReportAssembler;
import io.grokwatch.cli.report.ReportModel;
import io.grokwatch.cli.report.ReportWriter;
import io.grokwatch.cli.report.RunRecords;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code grokwatch report}: one self-contained HTML page about one run, from a .jsonl file or Kafka. */
@Command(
        name = "report",
        modelTransformer = DetectorFlags.class,
        description = {
            "Writes one self-contained HTML report of a run: train/val accuracy and loss against step (log axis) "
                    + "with the phases shaded and transitions marked, weight norm, the Fourier spectrum, PCA and key-frequency "
                    + "circle of the embeddings before, during and after grokking, and the transitions and alerts.",
            "Reads FILE.jsonl (step and embedding_snapshot records, one per line), or, without a file, "
                    + "the records of --run RUN from Kafka. Transitions and alerts are recomputed with the analyzer's detector."
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
            description = "A recorded run; without it the run is read from Kafka.")
    Path file;

    @Option(
            names = "--run",
            paramLabel = "RUN",
            description = "The run id; required with Kafka, picks one run of a file that holds several.")
    String run;

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
            description = "How long reading the run from Kafka may take.")
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
        if (file == null && (run == null || run.isBlank())) {
            throw new ParameterException(
                    spec.commandLine(), "give a FILE.jsonl, or --run RUN to read the run from Kafka");
        }
        if (file != null && !Files.isRegularFile(file)) {
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
