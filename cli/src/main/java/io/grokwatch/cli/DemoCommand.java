package io.grokwatch.cli;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.cli.demo.DemoServices;
import io.grokwatch.cli.demo.EventsWatcher;
import io.grokwatch.cli.demo.HeldPublisher;
import io.grokwatch.cli.demo.LiveView;
import io.grokwatch.cli.demo.TrainingRun;
import io.grokwatch.cli.report.KafkaRunReader;
import io.grokwatch.cli.report.ReportAssembler;
import io.grokwatch.cli.report.ReportModel;
import io.grokwatch.cli.report.ReportWriter;
import io.grokwatch.cli.report.RunRecords;
import io.grokwatch.cli.train.RunDescription;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import io.grokwatch.trainer.publish.RunPublisher;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch demo}: the whole pipeline in one process (Kafka, trainer, analyzer, metrics
 * bridge) on a run that groks quickly, with a live terminal view and a report at the end.
 */
@Command(
        name = "demo",
        modelTransformer = DemoCommand.ConfigFlags.class,
        description = {
            "Runs the whole pipeline in one process: an embedded Kafka broker, a trainer, the analyzer and the "
                    + "metrics bridge, on a run that groks in well under a minute on 2 cores. Shows progress, the phase, "
                    + "accuracies and alerts live; when the run groks (or reaches its budget) writes a report and prints "
                    + "its path.",
            "Without --preset the demo runs simple-grokking with the demo's settings (see the flags); with --preset "
                    + "the preset's own settings, changed only by the flags given.",
            "With --bootstrap-servers or --kafka-config it uses that Kafka instead of starting one."
        })
public final class DemoCommand implements Callable<Integer> {
    /** The demo's experiment: the {@code demo} preset (TRAINING.md, "Presets"). */
    static final String DEMO_PRESET = "demo";

    static final double DEMO_WEIGHT_DECAY = Presets.get(DEMO_PRESET).weightDecay();
    static final long DEMO_STEPS = Presets.get(DEMO_PRESET).steps();
    static final int DEMO_SNAPSHOT_EVERY = Presets.get(DEMO_PRESET).snapshotEvery();
    static final long DEMO_AFTER_GROK_STEPS = Presets.get(DEMO_PRESET).stopAfterGrokSteps();

    private static final Duration REPORT_READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PUBLISH_CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration ANALYZER_CATCH_UP = Duration.ofSeconds(10);
    /** How long a Ctrl-C waits for the kept-running services to stop before the JVM exits anyway. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            description = "Trainer preset to run instead of the demo's experiment: one of ${COMPLETION-CANDIDATES}.",
            completionCandidates = RunDescription.PresetNames.class)
    String preset;

    @Option(
            names = "--after-grok-steps",
            paramLabel = "N",
            description =
                    "Keep training this many steps after validation accuracy reaches 90%, so the report shows where "
                            + "it settles (default: the demo preset's, for every preset).")
    Long afterGrokSteps;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description =
                    "Training threads, as for `grokwatch train --threads` (default: an MLP splits each large batch over "
                            + "all cores; GROKWATCH_THREADS overrides).")
    Integer threads;

    @Option(
            names = "--report-dir",
            paramLabel = "DIR",
            defaultValue = "reports",
            description = "Where the report goes.")
    Path reportDir;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "" + MetricsBridge.DEFAULT_PORT,
            description = "Port of the Prometheus endpoint on 127.0.0.1; 0 picks a free one.")
    int metricsPort;

    @Option(
            names = "--keep-running",
            description = "Keep Kafka, the analyzer and the bridge up after the report (for Prometheus and Grafana "
                    + "from deploy/) until Ctrl-C.")
    boolean keepRunning;

    @Option(names = "--run-id", paramLabel = "RUN", description = "Run id (default: demo-<time>-<random>).")
    String runId;

    @Override
    public Integer call() throws Exception {
        long started = ManagementFactory.getRuntimeMXBean().getStartTime(); // wall time counts the JVM's start too
        KafkaClientLogs.quietConnectionRetries(); // also the embedded broker's own shutdown warning
        TrainConfig config = trainConfig();
        requireFreeMetricsPort();
        String run = runId != null ? runId : RunDescription.newRunId("demo", true);
        PrintWriter out = spec.commandLine().getOut();
        out.println("grokwatch demo: run " + run + ": " + RunDescription.describe(config));
        out.flush();

        // Three slow starts overlap: ND4J and the task (trainer thread), Kafka (its own thread), and
        // the first steps of training, whose records are held in memory until Kafka is up.
        TrainingRun training = TrainingRun.prepare(config, run, threads);
        DemoServices services = DemoServices.launch(externalKafka());
        ScheduledExecutorService ticker =
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "grokwatch-demo-view"));
        LiveView view = new LiveView(out, System.console() != null, config.steps(), 2_000, System::currentTimeMillis);
        CompletableFuture<Transition> ended = new CompletableFuture<>();
        AtomicLong endedAtMillis = new AtomicLong(-1);
        AtomicReference<EventsWatcher> watcher = new AtomicReference<>();
        try (HeldPublisher publisher = new HeldPublisher()) {
            training.awaitBuilt();
            training.start(publisher, view);
            ticker.scheduleAtFixedRate(view::tick, 250, view.interactive() ? 250 : 500, TimeUnit.MILLISECONDS);
            services.startServices(
                    metricsPort,
                    () -> watcher.set(EventsWatcher.start(
                            services.kafka(),
                            run,
                            e -> {
                                view.event(e);
                                if (e instanceof Transition t
                                        && endsTheDemo(t.to())
                                        && endedAtMillis.compareAndSet(-1, System.currentTimeMillis())) {
                                    ended.complete(t);
                                }
                            },
                            Duration.ofSeconds(30))),
                    view::println);
            publisher.attach(RunPublisher.builder()
                    .kafkaProperties(services.kafka())
                    .warnings(view::println)
                    .start());
            ended.thenAccept(t -> {
                if (t.to() == Phase.DIVERGED) training.stop(); // the config's rule ends a run that groks
            });
            Outcome outcome = awaitOutcome(training);
            publisher.close(PUBLISH_CLOSE_TIMEOUT);
            if (outcome.valReached() >= 0 && !ended.isDone()) {
                // the trainer saw validation reach the threshold: give the analyzer a moment to say so
                try {
                    ended.get(ANALYZER_CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    view.println("  the analyzer did not report the transition within " + ANALYZER_CATCH_UP.toSeconds()
                            + " s");
                }
            }
            ticker.shutdownNow();
            view.close();
            say(out, "training " + outcome.status().name().toLowerCase(Locale.ROOT) + ": " + outcome.reason());

            RunRecords records = KafkaRunReader.builder()
                    .clientProperties(services.kafka())
                    .run(run)
                    .timeout(REPORT_READ_TIMEOUT)
                    .build()
                    .read();
            ReportModel model = new ReportAssembler(
                            DetectorConfig.defaults(),
                            StructureAnalyzer.DEFAULT_TOP_K,
                            ReportAssembler.DEFAULT_MAX_POINTS)
                    .assemble(records);
            Path report = ReportWriter.builder().build().write(model, reportDir.resolve(ReportWriter.fileName(run)));
            long grokMillis = endedAtMillis.get();
            printSummary(
                    out,
                    model,
                    grokMillis < 0 ? -1 : grokMillis - started,
                    System.currentTimeMillis() - started,
                    report);
            if (keepRunning) awaitCtrlC(out, services);
        } finally {
            ticker.shutdownNow();
            if (watcher.get() != null) watcher.get().close();
            training.close();
            services.close();
        }
        return 0;
    }

    private static Outcome awaitOutcome(TrainingRun training) throws Exception {
        try {
            return training.outcome().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Exception cause) throw cause; // the trainer's own message, not the wrapper's
            throw e;
        }
    }

    private static boolean endsTheDemo(Phase p) {
        return p == Phase.GROKKED || p == Phase.COMPREHENDED || p == Phase.DIVERGED;
    }

    private void printSummary(PrintWriter out, ReportModel m, long toGrokMillis, long totalMillis, Path report) {
        RunSummary s = m.summary();
        out.println();
        out.println(String.format(
                Locale.ROOT,
                "class %s   t_train %s   t_val %s   delay %s steps   wall time %s",
                s.finalClass(),
                orDash(s.tTrain()),
                orDash(s.tVal()),
                orDash(s.delay()),
                toGrokMillis < 0
                        ? String.format(Locale.ROOT, "%.1f s (did not grok)", totalMillis / 1000.0)
                        : String.format(
                                Locale.ROOT,
                                "%.1f s to %s, %.1f s in all",
                                toGrokMillis / 1000.0,
                                s.phase(),
                                totalMillis / 1000.0)));
        out.println("report: " + report);
        out.flush();
    }

    private static String orDash(Long v) {
        return v == null ? "-" : String.valueOf(v);
    }

    /**
     * Keeps the services up until Ctrl-C (or, in-process, an interrupt), then stops them before
     * the JVM exits.
     */
    private void awaitCtrlC(PrintWriter out, DemoServices services) throws Exception {
        say(
                out,
                "services keep running: Kafka " + services.bootstrapServers() + ", metrics " + services.metricsUrl()
                        + "; press Ctrl-C to stop");
        ServeUntilInterrupted serving = new ServeUntilInterrupted("demo", SHUTDOWN_GRACE);
        serving.serve(() -> services, open -> {
            serving.awaitStop(); // an interrupt is a stop request too; Kafka's shutdown does not see it
            say(out, "stopping the services ...");
        });
    }

    /** The preset with the demo's settings (no --preset) or the given preset, then the flags given. */
    TrainConfig trainConfig() {
        TrainConfig base;
        try {
            base = Presets.get(preset == null ? DEMO_PRESET : preset);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--preset: " + e.getMessage());
        }
        TrainConfig.Builder b = base.toBuilder();
        if (preset != null) {
            // another preset ends as the demo's does: a little after val accuracy reaches 90% (the stop's step
            // count is set below, for every preset)
            b.stopAccuracy(Presets.get(DEMO_PRESET).stopAccuracy());
            if (base.snapshotEvery() == 0)
                b.snapshotEvery((int) Math.max(1, base.steps() / 100)); // the report needs embeddings
        }
        SettingFlags.given(spec, TrainConfig.TABLE).forEach(b::set);
        if (metricsPort < 0 || metricsPort > 65_535) {
            throw new ParameterException(spec.commandLine(), "--metrics-port must be in 0..65535, got " + metricsPort);
        }
        if (afterGrokSteps != null && afterGrokSteps < 0) {
            throw new ParameterException(spec.commandLine(), "--after-grok-steps must be >= 0, got " + afterGrokSteps);
        }

        if (threads != null && threads < 1)
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        try {
            TrainConfig c = b.build();
            if (c.steps() < 1) throw new IllegalArgumentException("steps must be >= 1, got " + c.steps());
            // the analyzer confirms a crossing (smoothingWindow - 1) / 2 evaluations after it: train that much longer,
            // so the demo's report always holds the transition the demo waits for
            long after = afterGrokSteps != null ? afterGrokSteps : DEMO_AFTER_GROK_STEPS;
            return c.toBuilder()
                    .stopAfterGrokSteps(after
                            + (long) c.evalEvery() * (DetectorConfig.defaults().smoothingWindow() / 2))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "training settings: " + e.getMessage());
        }
    }

    /** Fails before anything starts when the metrics port is taken (often: a bridge or demo still running). */
    private void requireFreeMetricsPort() {
        if (metricsPort == 0) return;
        try (java.net.ServerSocket s =
                new java.net.ServerSocket(metricsPort, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            // free
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "127.0.0.1:" + metricsPort + " is in use (another grokwatch bridge or demo?); "
                            + "stop it or pass --metrics-port with a free port, or 0 for any");
        }
    }

    /** The external cluster's client properties, or null for the embedded broker. */
    private java.util.Properties externalKafka() {
        boolean external = spec.commandLine().getParseResult().hasMatchedOption("--bootstrap-servers")
                || kafka.kafkaConfigFile().isPresent();
        return external ? kafka.clientProperties() : null;
    }

    private static void say(PrintWriter out, String line) {
        out.println("  " + line);
        out.flush();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The training settings the demo takes as flags, made from TrainConfig's table; help shows the demo's values. */
    public static final class ConfigFlags implements picocli.CommandLine.IModelTransformer {
        static final Set<String> SETTINGS =
                Set.of("steps", "trainFraction", "weightDecay", "lr", "seed", "evalEvery", "snapshotEvery");

        @Override
        public CommandSpec transform(CommandSpec spec) {
            Map<String, Object> demo = TrainConfig.TABLE.values(Presets.get(DEMO_PRESET));
            return SettingFlags.add(
                    spec,
                    TrainConfig.TABLE,
                    s -> SETTINGS.contains(s.name()),
                    s -> " (demo: " + s.print(demo.get(s.name())) + "; with --preset, the preset's)");
        }
    }
}
