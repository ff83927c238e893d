package io.grokwatch.cli;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.JsonLines;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code grokwatch ingest FILE.jsonl}: replays a recorded run's steps onto grokwatch.metrics. */
@Command(
        name = "ingest",
        description = {
            "Publishes the step records of a recorded run (FILE.jsonl, one record per line as on the wire) to "
                    + "grokwatch.metrics keyed by run id, in file order, and its run_started and run_finished records "
                    + "to grokwatch.runs, so the analyzer and the bridge see it as a live run.",
            "Lines that are not valid records are reported on stderr with their line number and skipped; "
                    + "records of other types are skipped and counted. Progress is printed every --progress-every records.",
            "--budget gives the run a step budget (its run_started's steps; one is sent first when the file has none), "
                    + "so the live t_val forecast and the grok-aware policy weigh it against one."
        })
public final class IngestCommand implements Callable<Integer> {
    /** Bad lines named one by one on stderr; the rest are only counted. */
    static final int MAX_LINE_WARNINGS = 20;
    /** How long the broker may take to answer at all: a broker that is down is reported this soon. */
    static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "A recorded run, one JSON record per line.")
    Path file;

    @Option(
            names = "--run",
            paramLabel = "ID",
            description = "Publish under this run id instead of the one in the file (e.g. to replay a run twice).")
    String runOverride;

    @Option(
            names = "--rate",
            paramLabel = "R",
            description = "Records per second to replay at (default: as fast as possible).")
    Double rate;

    @Option(
            names = "--budget",
            paramLabel = "STEPS",
            description =
                    "The run's step budget, as its run_started's steps (default: the file's run_started's, if any).")
    Long budget;

    @Option(
            names = "--progress-every",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Print progress after every N records.")
    long progressEvery;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long[] scan = scan(file); // lines, run_started records
        long lines = scan[0];
        boolean hasRunStarted = scan[1] > 0;
        long published = 0;
        long bad = 0;
        long other = 0;
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        long start = System.nanoTime();
        long[] counts = new long[4]; // published, bad, other, run records
        kafka.requireReachable(CONNECT_TIMEOUT, "publish " + file);
        org.apache.kafka.clients.producer.Callback noteFailure = (md, ex) -> {
            if (ex != null) sendFailure.compareAndSet(null, ex);
        };
        try (KafkaProducer<String, byte[]> producer = producer()) {
            java.util.function.Consumer<Event> sendRun = run -> {
                producer.send(new ProducerRecord<>(Topics.RUNS, run.run(), EventCodec.encode(run)), noteFailure);
                counts[3]++;
            };
            JsonLines.forEach(file, (n, line, notText) -> {
                if (sendFailure.get() != null) return;
                if (notText == null && line.isBlank()) return;
                StepRecord step;
                try {
                    if (notText != null) throw new InvalidEventException(null, notText);
                    Event e = EventCodec.decode(line);
                    if (e instanceof RunStarted || e instanceof RunFinished) {
                        sendRun.accept(runRecord(e));
                        return;
                    }
                    if (!(e instanceof StepRecord s)) {
                        counts[2]++;
                        return;
                    }
                    step = runOverride == null ? s : withRun(s, runOverride);
                } catch (InvalidEventException e) {
                    if (++counts[1] <= MAX_LINE_WARNINGS)
                        err.println(file + ":" + n + ": " + OneLine.of(e.getMessage()) + "; skipped");
                    return;
                }
                if (counts[0] == 0 && budget != null && !hasRunStarted) {
                    // before the first step, so the analyzer knows the budget from the run's first evaluation
                    sendRun.accept(
                            budgetOnly(step.run(), step.time() == null ? System.currentTimeMillis() : step.time()));
                }
                pace(start, counts[0]);
                producer.send(new ProducerRecord<>(Topics.METRICS, step.run(), EventCodec.encode(step)), noteFailure);
                counts[0]++;
                if (counts[0] % progressEvery == 0) progress(out, counts[0], n, lines, start);
            });
            producer.flush();
        }
        published = counts[0];
        bad = counts[1];
        other = counts[2];
        if (sendFailure.get() != null) {
            throw new IllegalStateException(
                    "publishing to " + Topics.METRICS + " at " + kafka.bootstrapServers() + " failed: "
                            + OneLine.describe(sendFailure.get()) + "; check that the broker is up",
                    sendFailure.get());
        }
        if (bad > MAX_LINE_WARNINGS) err.println((bad - MAX_LINE_WARNINGS) + " more bad lines skipped");
        err.flush();
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.printf(
                "ingested %d step records from %s into %s in %.1f s (%.0f records/s), %d run records into %s; "
                        + "%d bad lines skipped, %d other records skipped%n",
                published, file, Topics.METRICS, seconds, published / seconds, counts[3], Topics.RUNS, bad, other);
        out.flush();
        if (published == 0) {
            throw new IllegalStateException(
                    file + " holds no valid step records; pass a .jsonl of step records as the trainer writes them");
        }
        return 0;
    }

    private void validate() {
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(
                    spec.commandLine(), "FILE.jsonl " + file + ": no such file; pass a recorded run");
        }
        if (runOverride != null && runOverride.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--run must not be empty");
        }
        if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
            throw new ParameterException(
                    spec.commandLine(), "--rate must be a positive number of records per second, was " + rate);
        }
        if (budget != null && budget < 1) {
            throw new ParameterException(spec.commandLine(), "--budget must be >= 1 step, was " + budget);
        }
        if (progressEvery < 1) {
            throw new ParameterException(spec.commandLine(), "--progress-every must be >= 1, was " + progressEvery);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = kafka.clientProperties();
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "grokwatch-ingest");
        // Idempotent (the default): a retried send cannot duplicate or reorder a run's steps.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Waits until record number {@code sent} is due at --rate; no-op without a rate. */
    private void pace(long start, long sent) {
        if (rate == null) return;
        long due = start + (long) (sent * 1e9 / rate);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
    }

    private static void progress(PrintWriter out, long published, long line, long lines, long start) {
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.printf(
                "  %d records (line %d of %d, %.0f%%), %.0f records/s%n",
                published, line, lines, 100.0 * line / Math.max(1, lines), published / seconds);
        out.flush();
    }

    /** Lines in the file, and how many of them are run_started records. */
    private static long[] scan(Path file) throws IOException {
        long[] n = {0, 0};
        JsonLines.forEach(file, (number, line, notText) -> {
            n[0] = number;
            if (notText == null && line.contains("\"run_started\"")) {
                try {
                    if (EventCodec.decode(line) instanceof RunStarted) n[1]++;
                } catch (InvalidEventException e) {
                    // reported in the publishing pass
                }
            }
        });
        return n;
    }

    /** A run record of the file under the --run id, with the --budget as its steps. */
    private Event runRecord(Event e) {
        String run = runOverride == null ? e.run() : runOverride;
        if (e instanceof RunStarted s) {
            java.util.Map<String, Object> config = new java.util.LinkedHashMap<>(s.config());
            if (budget != null) config.put("steps", budget);
            return new RunStarted(run, s.time(), s.task(), s.model(), config, s.provenance());
        }
        RunFinished f = (RunFinished) e;
        return new RunFinished(run, f.time(), f.status(), f.reason(), f.lastStep());
    }

    /** The run_started of a file that has none: only the budget is known. */
    private RunStarted budgetOnly(String run, long time) {
        return new RunStarted(
                run,
                time,
                "unknown",
                "unknown",
                java.util.Map.of("steps", budget, "ingestedFrom", file.toString()),
                io.grokwatch.events.Provenance.current(0, "unknown", "ingested by grokwatch ingest"));
    }

    static StepRecord withRun(StepRecord s, String run) {
        return new StepRecord(
                run,
                s.step(),
                s.trainLoss(),
                s.trainAcc(),
                s.valLoss(),
                s.valAcc(),
                s.time(),
                s.weightNorm(),
                s.weightDistance(),
                s.gradNorm(),
                s.lr(),
                s.stepsPerSecond());
    }
}
