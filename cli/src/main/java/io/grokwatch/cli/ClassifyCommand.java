package io.grokwatch.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.OfflineClassifier.BadLine;
import io.grokwatch.analyzer.detect.OfflineClassifier.JsonlSteps;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.Alert;
import io.grokwatch.events.Transition;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code grokwatch classify FILE.jsonl [--json]}: a recorded run's class, transitions and alerts. */
@Command(
        name = "classify",
        modelTransformer = DetectorFlags.class,
        description = {
            "Classifies a recorded run (Liu et al. 2022: comprehension, grokking, memorization, confusion) with the "
                    + "analyzer's detector, the same code that watches live runs, and prints t_train, t_val, the delay, "
                    + "every transition (the step it happened at and the step it was detected at) and the alerts.",
            "FILE.jsonl holds one record per line as on the wire; step records are used, other records are skipped. "
                    + "Lines that are not valid records are skipped with a warning on stderr naming the line and field "
                    + "(a log may end in a truncated line). A file with several runs prints each.",
            "The detector flags are those of grokwatch analyze, so a recorded run classifies as it did live."
        })
public final class ClassifyCommand implements Callable<Integer> {

    /** Bad lines named one by one on stderr; the rest are only counted. */
    static final int MAX_LINE_WARNINGS = 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "A recorded run, one JSON record per line.")
    Path file;

    @Option(names = "--json", description = "Print one JSON object per run instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        DetectorConfig config = DetectorFlags.config(spec);
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(
                    spec.commandLine(), "FILE.jsonl " + file + ": no such file; pass a recorded run");
        }
        JsonlSteps read = OfflineClassifier.read(file);
        warnAboutBadLines(read);
        if (read.steps().isEmpty()) {
            throw new IllegalStateException(
                    file + " holds no step records (" + read.badLines().size() + " bad lines, " + read.otherRecords()
                            + " other records); pass a .jsonl of step records as the trainer writes them");
        }
        Map<String, RunSummary> summaries = OfflineClassifier.classifyAll(read.steps(), config);
        PrintWriter out = spec.commandLine().getOut();
        boolean first = true;
        for (RunSummary s : summaries.values()) {
            if (json) {
                out.println(JSON.writeValueAsString(toJson(s, read.badLines().size())));
            } else {
                if (!first) out.println();
                printText(out, s);
            }
            first = false;
        }
        out.flush();
        return 0;
    }

    private void warnAboutBadLines(JsonlSteps read) {
        PrintWriter err = spec.commandLine().getErr();
        int n = 0;
        for (BadLine bad : read.badLines()) {
            if (++n > MAX_LINE_WARNINGS) break;
            err.println("grokwatch classify: warning: " + file + ":" + bad.line() + ": skipped: "
                    + OneLine.of(bad.error()));
        }
        if (!read.badLines().isEmpty()) {
            err.println("grokwatch classify: warning: skipped "
                    + read.badLines().size() + " bad line"
                    + (read.badLines().size() == 1 ? "" : "s") + " of " + file
                    + (read.badLines().size() > MAX_LINE_WARNINGS ? " (first " + MAX_LINE_WARNINGS + " shown)" : ""));
        }
        err.flush();
    }

    static void printText(PrintWriter out, RunSummary s) {
        out.println("run " + s.run() + ": " + s.finalClass());
        out.println("  t_train " + orDash(s.tTrain()) + ", t_val " + orDash(s.tVal()) + ", delay " + orDash(s.delay())
                + " steps; last step " + s.lastStep() + ", phase " + s.phase());
        out.println("transitions (step happened -> detected):");
        if (s.transitions().isEmpty()) out.println("  none");
        for (Transition t : s.transitions()) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-12s -> %-12s step %8d  detected %8d",
                    t.from(),
                    t.to(),
                    t.step(),
                    t.detectedStep()));
        }
        out.println("alerts:");
        if (s.alerts().isEmpty()) out.println("  none");
        for (Alert a : s.alerts()) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-12s step %8d  detected %8d  %s",
                    a.kind(),
                    a.step(),
                    a.detectedStep(),
                    a.message()));
        }
    }

    static ObjectNode toJson(RunSummary s, int skippedLines) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run", s.run());
        o.put("finalClass", s.finalClass().name());
        o.put("tTrain", s.tTrain());
        o.put("tVal", s.tVal());
        o.put("delay", s.delay());
        o.put("lastStep", s.lastStep());
        o.put("phase", s.phase().name());
        ArrayNode ts = o.putArray("transitions");
        for (Transition t : s.transitions()) {
            ObjectNode n = ts.addObject();
            n.put("from", t.from().name());
            n.put("to", t.to().name());
            n.put("step", t.step());
            n.put("detectedStep", t.detectedStep());
            n.put("detectedTime", t.detectedTime());
        }
        ArrayNode as = o.putArray("alerts");
        for (Alert a : s.alerts()) {
            ObjectNode n = as.addObject();
            n.put("kind", a.kind().name());
            n.put("step", a.step());
            n.put("detectedStep", a.detectedStep());
            n.put("detectedTime", a.detectedTime());
            n.put("valAcc", a.valAcc());
            n.put("message", a.message());
        }
        o.put("skippedLines", skippedLines);
        return o;
    }

    private static String orDash(Long v) {
        return v == null ? "-" : String.valueOf(v);
    }
}
