package io.grokwatch.cli;

import io.grokwatch.analyzer.bench.LoadBench;
import io.grokwatch.events.ConsumerGroups;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch loadgen}: drives many concurrent synthetic runs through the real topics and measures the pipeline. */
@Command(
        name = "loadgen",
        description = {
            "Sends --runs concurrent synthetic runs (grokking, comprehension, memorization and confusion in turn) at"
                    + " --rate step records/s for --seconds onto grokwatch.metrics of a running broker, in waves of new"
                    + " runs of --evaluations records each, while an analyzer and a bridge (in their own processes) consume"
                    + " them. Measures both consumer groups' lag, the latency of every transition from sending the record"
                    + " that completes it to reading it read_committed, whether each arrives once, the bridge's scrape"
                    + " time (--bridge-url) and the analyzer's heap per run (--analyzer-pid, with jcmd). Prints a"
                    + " markdown table; bench/load.sh starts the processes and runs it."
        })
public final class LoadgenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Concurrent runs. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(
            names = "--rate",
            paramLabel = "R",
            defaultValue = "50000",
            description = "Step records per second, all runs together. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "120",
            description = "How long to send. Default: ${DEFAULT-VALUE}")
    long seconds;

    @Option(
            names = "--evaluations",
            paramLabel = "N",
            defaultValue = "3000",
            description =
                    "Records of each run (2..4000); a new wave of runs starts when one ends. Default: ${DEFAULT-VALUE}")
    int evaluations;

    @Option(names = "--bridge-url", paramLabel = "URL", description = "The bridge's /metrics, scraped every second.")
    String bridgeUrl;

    @Option(names = "--analyzer-pid", paramLabel = "PID", description = "The analyzer's process, for its heap (jcmd).")
    Long analyzerPid;

    @Option(
            names = "--warmup-seconds",
            paramLabel = "S",
            defaultValue = "30",
            description = "Runs of their own at the rate first, not measured, until the analyzer has caught up"
                    + " (0: none). Default: ${DEFAULT-VALUE}")
    long warmupSeconds;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) throw usage("--runs must be >= 1, got " + runs);
        if (!(rate > 0)) throw usage("--rate must be > 0, got " + rate);
        if (seconds < 1) throw usage("--seconds must be >= 1, got " + seconds);
        if (evaluations < 2 || evaluations > 4000) throw usage("--evaluations must be in 2..4000, got " + evaluations);
        if (warmupSeconds < 0) throw usage("--warmup-seconds must be >= 0, got " + warmupSeconds);
        PrintWriter out = spec.commandLine().getOut();
        String table = LoadBench.run(
                new LoadBench.Settings(
                        kafka.bootstrapServers(),
                        runs,
                        rate,
                        Duration.ofSeconds(seconds),
                        evaluations,
                        bridgeUrl,
                        analyzerPid,
                        ConsumerGroups.ANALYZER,
                        ConsumerGroups.BRIDGE,
                        Duration.ofSeconds(warmupSeconds)),
                System.err);
        out.print(table);
        out.flush();
        return 0;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
