package io.grokwatch.cli;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.policy.PolicyReplay;
import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.cli.policies.PolicyReport;
import io.grokwatch.cli.policies.PolicyTables;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch policies RUNS... [--policy SPEC]...}: what each stopping policy would have killed and saved. */
@Command(
        name = "policies",
        modelTransformer = DetectorFlags.class,
        description = {
            "Replays recorded runs through early-stopping policies, offline, with the detector the live analyzer uses,"
                    + " and prints per policy: runs stopped, grokkers killed (stopped before t_val), runs stopped that"
                    + " never reach t_val, steps saved, val accuracy at the stop and at the end, and the regret against"
                    + " the oracle that stops each run at its best step. Specs and measures: analyzer/POLICIES.md.",
            "RUNS are .jsonl files of step records or directories searched for them; a line that is not a valid"
                    + " record is an error naming file and line (exit 2). A RUNS argument that is not a file or"
                    + " directory is looked up on Kafka: a topic (e.g. grokwatch.metrics) is read from the beginning"
                    + " to its end and every step record on it counts, by run id; otherwise it is a sweep id, whose"
                    + " runs (named by its jobs on grokwatch.jobs or their run_started on grokwatch.runs) are read"
                    + " from grokwatch.metrics. Runs from files come first, then those from Kafka in argument order."
                    + " The median rule and ASHA see all RUNS as one set started together."
        })
public final class PoliciesCommand implements Callable<Integer> {

    /** Used when no --policy is given: patience at two lengths, a budget, the two across-run rules, grok-aware. */
    public static final List<String> DEFAULT_POLICIES =
            List.of("patience:val_loss:500", "patience:val_loss:2000", "budget:5000", "median", "asha", "grok-aware");

    @Spec
    CommandSpec spec;

    @Mixin
    RunsArgs runs;

    @Option(
            names = "--policy",
            paramLabel = "SPEC",
            description = "A policy to replay (repeatable), e.g. patience:val_loss:500, budget:5000,"
                    + " threshold:val_acc:0.99, median, asha:val_acc:1000:3, grok-aware:1000, grokked+500."
                    + " Default: patience:val_loss:500, patience:val_loss:2000, budget:5000, median, asha, grok-aware.")
    List<String> policies;

    @ArgGroup(exclusive = true)
    Format format;

    static final class Format {
        @Option(names = "--json", description = "Print one JSON document: per policy its figures and its runs.")
        boolean json;

        @Option(names = "--csv", description = "Print CSV, one row per policy and run.")
        boolean csv;
    }

    @Option(
            names = "--report",
            paramLabel = "FILE.html",
            description = "Also write an HTML page with the table and a timeline per run.")
    Path report;

    @Override
    public Integer call() throws Exception {
        DetectorConfig config = DetectorFlags.config(spec);
        List<ReplayPolicy> parsed = new ArrayList<>();
        for (String s : policies == null || policies.isEmpty() ? DEFAULT_POLICIES : policies) {
            try {
                parsed.add(ReplayPolicy.parse(s));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--policy: " + e.getMessage());
            }
        }
        List<RecordedRun> recorded = runs.read("policies");
        List<PolicyResult> results = PolicyReplay.replay(recorded, parsed, config);
        PrintWriter out = spec.commandLine().getOut();
        if (format != null && format.json) out.println(PolicyTables.jsonText(results));
        else if (format != null && format.csv) out.print(PolicyTables.csv(results));
        else {
            long stepsRun = results.isEmpty() ? 0 : results.get(0).stepsRun();
            out.print(PolicyTables.text(results, recorded.size(), stepsRun));
        }
        out.flush();
        if (report != null) {
            // originalArgs starts at the subcommand's name
            String command = "grokwatch "
                    + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            Path written = PolicyReport.write(report, recorded, results, command);
            spec.commandLine().getErr().println("grokwatch policies: report written to " + written);
            spec.commandLine().getErr().flush();
        }
        return 0;
    }
}
