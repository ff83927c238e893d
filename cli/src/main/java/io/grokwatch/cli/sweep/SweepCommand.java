package io.grokwatch.cli.sweep;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.cli.KafkaClientLogs;
import io.grokwatch.cli.KafkaOptions;
import io.grokwatch.cli.OneLine;
import io.grokwatch.cli.report.sweep.SweepReport;
import io.grokwatch.cli.train.RunDescription;
import io.grokwatch.cli.worker.JobWorker;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Job;
import io.grokwatch.events.Topics;
import io.grokwatch.trainer.sweep.Grid;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch sweep}: publishes one job per grid point and seed to grokwatch.jobs, follows the sweep to its end
 * and writes its report.
 *
 * <pre>
 * grokwatch sweep --preset simple-grokking --grid weight-decay=0.01,0.1,1 --grid train-fraction=0.2:0.8:4 --local 2
 * grokwatch sweep --watch sw-simple-grokking-20261202-160000
 * grokwatch sweep --cancel sw-simple-grokking-20261202-160000
 * </pre>
 */
@Command(
        name = "sweep",
        description = {
            "Runs a grid of training runs through the workers of " + Topics.JOBS + " (grokwatch worker): checks every "
                    + "point against the config definitions before publishing anything, publishes one job per point and "
                    + "seed under one sweep id, shows runs finished / grokked / running, and at the end prints the "
                    + "table of classes and thresholds and writes the sweep report.",
            "With --local N it starts N workers in this process, so one command runs a whole sweep on a laptop. "
                    + "Ctrl-C detaches (local workers hand their runs over); --watch ID reattaches, --cancel ID stops a "
                    + "sweep's runs and drops its queued jobs."
        })
public final class SweepCommand implements Callable<Integer> {
    private static final Duration PRINT_EVERY = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            defaultValue = "simple-grokking",
            completionCandidates = RunDescription.PresetNames.class,
            description = "Config every point starts from: ${COMPLETION-CANDIDATES}.")
    String preset;

    @Option(
            names = "--grid",
            paramLabel = "NAME=VALUES",
            description = "An axis: a train flag name and its values, V1,V2,... or FROM:TO:COUNT for numbers "
                    + "(e.g. weight-decay=0.01,0.1,1 or train-fraction=0.2:0.8:4). Repeat for more axes.")
    List<String> grid = new ArrayList<>();

    @Option(
            names = "--set",
            paramLabel = "NAME=VALUE",
            description = "Change one setting of the preset for every run (e.g. hidden=64); repeat for more.")
    List<String> set = new ArrayList<>();

    @Option(
            names = "--seeds",
            paramLabel = "N",
            defaultValue = "0",
            description = "Runs per point with seeds S, S+1, ... from the preset's seed S (0: the preset's seed only, "
                    + "not an axis).")
    int seeds;

    @Option(names = "--steps", paramLabel = "N", description = "Step budget of every run (default: the preset's).")
    Long steps;

    @Option(
            names = "--local",
            paramLabel = "N",
            defaultValue = "0",
            description = "Start N workers in this process (each one job at a time, the cores divided among them).")
    int local;

    @Option(
            names = "--batch",
            paramLabel = "K",
            defaultValue = "1",
            description = "Local workers train up to K same-shape runs together (see grokwatch worker --batch).")
    int batch;

    @Option(names = "--watch", paramLabel = "ID", description = "Follow a published sweep instead of starting one.")
    String watch;

    @Option(
            names = "--cancel",
            paramLabel = "ID",
            description = "Cancel a sweep: its runs stop, its queued jobs are dropped.")
    String cancel;

    @Option(names = "--dry-run", description = "Check the grid and print the jobs, publish nothing.")
    boolean dryRun;

    @Option(
            names = "--report-dir",
            paramLabel = "DIR",
            description = "Where the sweep report goes (default: reports/SWEEP_ID, as report --sweep writes it).")
    Path reportDir;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description = "Checkpoints of the local workers' runs (default: the report dir's checkpoints/).")
    Path checkpointDir;

    @Option(
            names = "--metrics-dir",
            paramLabel = "DIR",
            description = "Local workers also write each run's step records to DIR/RUN.jsonl.")
    Path metricsDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KafkaClientLogs.quietConnectionRetries();
        if (local < 0) throw usage("--local must be >= 0, got " + local);
        if (batch < 1) throw usage("--batch must be >= 1, got " + batch);
        if (cancel != null) return cancel(out);
        if (watch != null) {
            if (!grid.isEmpty() || local > 0 || dryRun)
                throw usage("--watch follows a published sweep: --grid, --local and --dry-run do not apply");
            return follow(watch, 0, List.of(), out, err);
        }
        SweepPlan plan = plan();
        out.println("grokwatch sweep " + plan.sweep() + ": " + plan.jobs().size() + " runs of " + preset + " ("
                + shape(plan) + ")");
        if (dryRun) {
            for (Job j : plan.jobs()) out.println("  " + j.run() + "  " + j.describePoint());
            out.flush();
            return 0;
        }
        publish(plan, err);
        Path dir = reportDir(plan.sweep());
        out.println("  jobs on " + Topics.JOBS + "; report: " + dir.resolve("index.html"));
        out.println("  reattach with: grokwatch sweep --watch " + plan.sweep());
        out.flush();
        List<JobWorker> workers = startLocal(plan.sweep(), dir, err);
        return follow(plan.sweep(), plan.jobs().size(), workers, out, err);
    }

    private SweepPlan plan() {
        TrainConfig base;
        try {
            base = Presets.get(preset);
        } catch (IllegalArgumentException e) {
            throw usage("--preset: " + e.getMessage());
        }
        if (steps != null) {
            if (steps < 1) throw usage("--steps must be >= 1, got " + steps);
            base = base.toBuilder().steps(steps).build();
        }
        try {
            base = SweepPlan.withSettings(base, set);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage().replace("grid '", "--set '"));
        }
        if (grid.isEmpty() && seeds == 0) throw usage("a sweep needs --grid NAME=VALUES or --seeds N");
        try {
            return SweepPlan.of(SweepPlan.newSweepId(preset), base, Grid.parse(grid), seeds);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private void publish(SweepPlan plan, PrintWriter err) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            // in turn over the partitions, not by key hash: workers share jobs by partition, so each gets its part
            int partitions = producer.partitionsFor(Topics.JOBS).size();
            for (int i = 0; i < plan.jobs().size(); i++) {
                Job j = plan.jobs().get(i);
                sent.add(producer.send(
                        new ProducerRecord<>(Topics.JOBS, i % partitions, j.run(), EventCodec.encode(j))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            err.println("grokwatch sweep: publishing the jobs failed: " + OneLine.describe(e) + "; is the broker at "
                    + kafka.bootstrapServers() + " up?");
            throw e;
        }
    }

    private List<JobWorker> startLocal(String sweep, Path dir, PrintWriter err) {
        List<JobWorker> workers = new ArrayList<>();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, local));
        for (int i = 0; i < local; i++) {
            JobWorker w = JobWorker.builder(kafka.clientProperties())
                    .slots(1)
                    .batch(batch)
                    .threadsPerSlot(threads)
                    .checkpointRoot(checkpointDir != null ? checkpointDir : dir.resolve("checkpoints"))
                    .metricsDir(metricsDir)
                    .name(sweep + "-local-" + i)
                    .out(err)
                    .progressInterval(Duration.ofSeconds(60))
                    .build();
            Thread t = new Thread(w::run, "grokwatch-local-worker-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(w);
        }
        return workers;
    }

    /** Follows the sweep until it is done or Ctrl-C, printing progress; then the table and the report. */
    private int follow(String sweep, int expected, List<JobWorker> workers, PrintWriter out, PrintWriter err)
            throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        boolean[] interrupted = {false};
        Thread hook = new Thread(
                () -> {
                    interrupted[0] = true;
                    try {
                        ended.await(90, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "grokwatch-sweep-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long start = System.nanoTime();
        try (SweepWatcher w = new SweepWatcher(kafka.clientProperties(), sweep)) {
            long lastPrint = 0;
            String lastLine = "";
            while (!interrupted[0]) {
                w.poll(Duration.ofMillis(500));
                if (w.done(expected)) break;
                String line = progress(sweep, w, expected, System.nanoTime() - start);
                if (!line.equals(lastLine) || System.nanoTime() - lastPrint > 6 * PRINT_EVERY.toNanos()) {
                    if (System.nanoTime() - lastPrint > PRINT_EVERY.toNanos() || lastPrint == 0) {
                        err.println(line);
                        err.flush();
                        lastPrint = System.nanoTime();
                        lastLine = line;
                    }
                }
                if (expected == 0 && w.jobs() == 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(10)) {
                    err.println("grokwatch sweep: no jobs of sweep " + sweep + " on " + Topics.JOBS
                            + " (is the id right? ids look like sw-simple-grokking-20261202-160000)");
                    return 2;
                }
            }
            for (JobWorker worker : workers) worker.close();
            if (interrupted[0]) {
                err.println("grokwatch sweep: detached from " + sweep + " (" + w.finished() + "/" + w.jobs()
                        + " finished); its jobs stay on " + Topics.JOBS + "; grokwatch sweep --watch " + sweep
                        + " reattaches");
                return 130;
            }
            err.println(progress(sweep, w, expected, System.nanoTime() - start));
            printTable(out, w);
            writeReport(sweep, out, err);
            return 0;
        } finally {
            for (JobWorker worker : workers) worker.close();
            ended.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and waits for `ended`
            }
        }
    }

    /** The sweep report (the phase diagram, heatmaps, every run's report), as {@code report --sweep} writes it. */
    private void writeReport(String sweep, PrintWriter out, PrintWriter err) {
        Path dir = reportDir(sweep);
        try {
            Path index = SweepReport.write(kafka.clientProperties(), sweep, dir, DetectorConfig.defaults(), err);
            out.println("sweep report: " + index);
        } catch (IOException | TimeoutException | RuntimeException e) {
            out.println("sweep report not written (" + OneLine.describe(e) + "); retry with: grokwatch report --sweep "
                    + sweep + " --out " + dir);
        }
        out.flush();
    }

    private Path reportDir(String sweep) {
        return reportDir != null ? reportDir : Path.of("reports", sweep);
    }

    private static String progress(String sweep, SweepWatcher w, int expected, long nanos) {
        int total = Math.max(expected, w.jobs());
        int finished = w.finished();
        int running = w.started() - finished;
        int width = 20;
        int filled = total == 0 ? 0 : (int) Math.round((double) width * finished / total);
        long s = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return String.format(
                Locale.ROOT,
                "sweep %s [%s%s] %d/%d finished, %d grokked, %d running, %d queued%s | %d:%02d",
                sweep,
                "#".repeat(filled),
                "-".repeat(width - filled),
                finished,
                total,
                w.grokked(),
                running,
                Math.max(0, total - w.started()),
                w.cancelled() ? " (cancelled)" : "",
                s / 60,
                s % 60);
    }

    private static void printTable(PrintWriter out, SweepWatcher w) {
        DetectorConfig detector = DetectorConfig.defaults();
        out.println(String.format(
                Locale.ROOT,
                "%-36s %-44s %-13s %8s %8s %8s %9s",
                "run",
                "point",
                "class",
                "t_train",
                "t_val",
                "delay",
                "status"));
        for (SweepWatcher.RunState r : w.runs()) {
            RunSummary s = OfflineClassifier.classify(r.steps(), detector);
            out.println(String.format(
                    Locale.ROOT,
                    "%-36s %-44s %-13s %8s %8s %8s %9s",
                    r.run,
                    r.job.describePoint(),
                    r.steps.isEmpty() ? "-" : s.finalClass().name(),
                    s.tTrain() == null ? "-" : s.tTrain(),
                    s.tVal() == null ? "-" : s.tVal(),
                    s.delay() == null ? "-" : s.delay(),
                    r.finished == null ? "queued" : r.finished.status().name()));
        }
        out.flush();
    }

    /** Jobs and CANCEL records: acknowledged by every replica, written once, a bounded wait for the broker. */
    private Properties producerConfig() {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private int cancel(PrintWriter out) throws Exception {
        if (!grid.isEmpty() || watch != null || local > 0)
            throw usage("--cancel ID takes no --grid, --watch or --local");
        ControlCommand c = new ControlCommand(
                cancel,
                "cancel-" + cancel + "-" + System.currentTimeMillis(),
                ControlCommand.Command.CANCEL,
                System.currentTimeMillis(),
                "grokwatch sweep --cancel");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig())) {
            producer.send(new ProducerRecord<>(Topics.CONTROL, cancel, EventCodec.encode(c)))
                    .get(60, TimeUnit.SECONDS);
        }
        out.println("grokwatch sweep: CANCEL of " + cancel + " sent on " + Topics.CONTROL
                + "; its running runs stop and its queued jobs are dropped");
        out.flush();
        return 0;
    }

    private static String shape(SweepPlan plan) {
        List<String> parts = new ArrayList<>();
        for (Grid.Axis a : plan.grid().axes())
            parts.add(a.values().size() + " " + a.setting().name());
        if (plan.seeds() > 0) parts.add(plan.seeds() + " seeds");
        return String.join(" x ", parts);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
