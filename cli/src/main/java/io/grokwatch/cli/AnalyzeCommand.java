package io.grokwatch.cli;

import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.analyzer.kafka.AnalyzerStats;
import io.grokwatch.analyzer.policy.PolicySpecs;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.events.Alert;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.Event;
import io.grokwatch.events.Transition;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch analyze}: the live analyzer service, until Ctrl-C. */
@Command(
        name = "analyze",
        modelTransformer = DetectorFlags.class,
        description = {
            "Watches grokwatch.metrics and grokwatch.embeddings live: detects each run's phase transitions and "
                    + "alerts and publishes them (and structure analyses) on grokwatch.events, exactly once; bad records "
                    + "go to grokwatch.dlq. Prints a line per transition, alert and auto-stop, and a stats line every "
                    + "--stats-every, until Ctrl-C.",
            "Run several with the same --group-id and distinct --instance-id to share the runs; a restarted "
                    + "instance must keep its --instance-id."
        })
public final class AnalyzeCommand implements Callable<Integer> {
    /** How long a Ctrl-C waits for the analyzer to commit its batch and leave the group. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** How often the wait for a stop request checks for a fatal error and prints stats. */
    private static final Duration STOP_POLL = Duration.ofMillis(200);

    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--group-id",
            paramLabel = "GROUP",
            defaultValue = AnalyzerService.DEFAULT_GROUP_ID,
            description = "Kafka consumer group; instances in one group share the runs. Also names the state topic.")
    String groupId;

    @Option(
            names = "--instance-id",
            paramLabel = "ID",
            description =
                    "This instance's id: unique among running instances, the same after a restart (default: host name).")
    String instanceId;

    @Option(
            names = "--auto-stop",
            paramLabel = "POLICY",
            description =
                    "Send one STOP per run on grokwatch.control when the policy says so: patience:METRIC:N[:MIN_DELTA], "
                            + "grok-aware[:N[:WINDOW]], grokked+N, memorized+N, steps=N, budget:N, threshold:METRIC:VALUE "
                            + "median[:METRIC[:GRACE[:MIN_RUNS]]] and asha[:METRIC[:R[:ETA]]] "
                            + "within each sweep (analyzer/POLICIES.md); the policy's state is kept in the changelog.")
    String autoStop;

    @Option(
            names = "--max-poll-records",
            paramLabel = "N",
            defaultValue = "" + AnalyzerService.DEFAULT_MAX_POLL_RECORDS,
            description = "Records per poll, hence per transaction at most.")
    int maxPollRecords;

    @Option(
            names = "--stats-every",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = BridgeCommand.DurationConverter.class,
            description = "How often to print records in/out, DLQ and lag (e.g. 10s, 1m).")
    Duration statsEvery;

    private final ServeUntilInterrupted serving = new ServeUntilInterrupted("analyze", SHUTDOWN_GRACE);

    @Override
    public Integer call() throws Exception {
        AnalyzerService.Builder config = AnalyzerService.builder()
                .clientConfig(kafka.clientProperties())
                .groupId(nonBlank("--group-id", groupId))
                .detectorConfig(DetectorFlags.config(spec))
                .maxPollRecords(positive("--max-poll-records", maxPollRecords));
        if (instanceId != null) config.instanceId(nonBlank("--instance-id", instanceId));
        if (autoStop != null) config.stopPolicy(stopPolicy());
        PrintWriter out = spec.commandLine().getOut();
        config.listener(e -> print(out, e));
        serving.serve(() -> config.build().start(), analyzer -> {
            out.println("analyzing " + kafka.bootstrapServers() + " as group " + analyzer.groupId() + ", instance "
                    + analyzer.instanceId() + "; state in " + analyzer.stateTopic()
                    + (autoStop == null ? "" : "; auto-stop " + autoStop));
            out.println("Press Ctrl-C to stop.");
            out.flush();
            serving.ready();
            try {
                awaitStopOrFailure(analyzer, out);
            } catch (ExecutionException fatal) {
                throw new IllegalStateException(
                        "the analyzer stopped: " + OneLine.describe(fatal.getCause()), fatal.getCause());
            }
            out.println("stopping the analyzer ...");
            out.flush();
        });
        out.println("analyzer stopped.");
        out.flush();
        return 0;
    }

    /**
     * Prints stats every --stats-every until a stop request or an interrupt; a fatal error of the
     * analyzer throws. Checks five times a second, so a failure ends the command at once rather
     * than at the next stats line.
     */
    private void awaitStopOrFailure(AnalyzerService analyzer, PrintWriter out) throws ExecutionException {
        long nextStats = System.nanoTime() + statsEvery.toNanos();
        while (!serving.awaitStop(STOP_POLL)) {
            try {
                analyzer.termination().get(0, TimeUnit.MILLISECONDS);
                return; // ended without error (closed elsewhere): nothing left to wait for
            } catch (TimeoutException stillRunning) {
                if (System.nanoTime() >= nextStats) {
                    printStats(out, analyzer.stats().snapshot());
                    nextStats += statsEvery.toNanos();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // a stop request: the next awaitStop sees it and returns
            }
        }
    }

    private ReplayPolicy stopPolicy() {
        try {
            return PolicySpecs.parseLive(autoStop);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--auto-stop: " + e.getMessage());
        }
    }

    private String nonBlank(String option, String value) {
        if (value.isBlank()) throw new ParameterException(spec.commandLine(), option + " must not be empty");
        return value;
    }

    private int positive(String option, int value) {
        if (value < 1) throw new ParameterException(spec.commandLine(), option + " must be >= 1, was " + value);
        return value;
    }

    /** One line per committed transition, alert, auto-stop and DLQ record; structure analyses are silent. */
    static String line(Event e) {
        if (e instanceof Transition t) {
            return CLOCK.format(Instant.ofEpochMilli(t.detectedTime())) + "  " + t.run() + "  " + t.from() + " -> "
                    + t.to() + " at step " + t.step() + " (detected at step " + t.detectedStep() + ")";
        }
        if (e instanceof Alert a) {
            return CLOCK.format(Instant.ofEpochMilli(a.detectedTime())) + "  " + a.run() + "  ALERT " + a.kind() + ": "
                    + a.message();
        }
        if (e instanceof ControlCommand c) {
            return CLOCK.format(Instant.ofEpochMilli(c.time())) + "  " + c.run() + "  sent " + c.command() + ": "
                    + c.reason();
        }
        if (e instanceof DlqRecord d) {
            return CLOCK.format(Instant.ofEpochMilli(d.time())) + "  " + d.run() + "  DLQ " + d.sourceTopic() + "-"
                    + d.partition() + "@" + d.offset() + ": " + d.error();
        }
        return null;
    }

    private static void print(PrintWriter out, Event e) {
        String line = line(e);
        if (line != null) {
            out.println(line);
            out.flush();
        }
    }

    private static void printStats(PrintWriter out, AnalyzerStats.Snapshot s) {
        out.println("stats: " + s.recordsIn() + " records in, " + s.recordsOut() + " out, " + s.transitions()
                + " transitions, " + s.alerts() + " alerts, " + s.dlq() + " to the DLQ, lag " + s.lag()
                + (s.restarts() > 0 ? ", " + s.restarts() + " pipeline restarts" : ""));
        out.flush();
    }

    /** Asks a running analyze command to stop; {@link #call()} then returns 0. For tests and hooks. */
    void requestStop() {
        serving.requestStop();
    }

    /** Waits until the analyzer is started; false on timeout. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        return serving.awaitReady(timeout);
    }
}
