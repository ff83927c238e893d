package io.grokwatch.cli.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Job;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A {@link JobWorker} in this JVM against the embedded broker: jobs, bad jobs, finished runs, STOP and CANCEL. */
class JobWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static EmbeddedKafka kafka;
    private static Topic topics;
    private static int groups;

    private final StringWriter log = new StringWriter();
    private JobWorker worker;
    private Thread thread;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().partitions(2).build().start();
        topics = new Topic(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private String group;

    /** A group per test that starts where the jobs topic ends now: earlier tests' jobs are not this test's. */
    @BeforeEach
    void freshGroup() {
        group = "test-workers-" + (++groups);
        topics.commitEnd(Topics.JOBS, group);
    }

    @AfterEach
    void stopWorker() throws InterruptedException {
        if (worker != null) worker.close();
        if (thread != null) thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** x+y mod 11 on a tiny MLP: a few hundred steps take a second once ND4J is loaded. */
    static TrainConfig tiny(long steps) {
        return Presets.get("simple-grokking").toBuilder()
                .p(11)
                .embedDim(8)
                .hidden(List.of(16))
                .steps(steps)
                .evalEvery(10)
                .build();
    }

    static Job job(String run, String sweep, TrainConfig cfg) {
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("weightDecay", cfg.weightDecay());
        return new Job(run, sweep, System.currentTimeMillis(), point, TrainConfigJson.toMap(cfg));
    }

    private void startWorker(int slots) {
        // a group per test: offsets committed by one test's worker must not hide another test's jobs
        worker = JobWorker.builder(topics.props())
                .slots(slots)
                .threadsPerSlot(1)
                .group(group)
                .name("w" + groups)
                .out(new PrintWriter(log, true))
                .build();
        thread = new Thread(worker::run, "test-worker");
        thread.start();
    }

    @Test
    void runsAJobAsTrainWouldWithTheSweepAndPointInRunStarted() throws Exception {
        String run = "jw-run-000";
        topics.send(job(run, "jw-run", tiny(60)));
        startWorker(1);
        List<Event> runs = topics.read(Topics.RUNS, run::equals, l -> l.size() >= 2, WAIT);
        assertThat(runs).as(log.toString()).hasSize(2);
        RunStarted started = (RunStarted) runs.get(0);
        assertThat(started.config()).containsEntry("sweep", "jw-run").containsKey("point");
        assertThat(((Map<?, ?>) started.config().get("point")).keySet().toString())
                .isEqualTo("[weightDecay]");
        assertThat(((RunFinished) runs.get(1)).status()).isEqualTo(RunFinished.Status.COMPLETED);
        List<Event> steps = topics.read(Topics.METRICS, run::equals, l -> l.size() >= 7, WAIT);
        assertThat(steps).extracting(e -> ((StepRecord) e).step()).containsExactly(0L, 10L, 20L, 30L, 40L, 50L, 60L);
        await("the job counted as run", () -> worker.stats().ran() == 1);
    }

    /**
     * 10,000 bad records of eight kinds on grokwatch.jobs around two good jobs: each bad one goes to the DLQ once (the
     * workers share the topic as a group, so one reader judges each record), both good ones run.
     */
    @Test
    void fuzzedJobsAllGoToTheDlqAndTheGoodOnesRun() throws Exception {
        int bad = 10_000;
        String json = new String(EventCodec.encode(job("jw-fuzz-x", "jw-fuzz", tiny(20))), StandardCharsets.UTF_8);
        java.util.SplittableRandom random = new java.util.SplittableRandom(12);
        try (var p = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                topics.props(),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < bad; i++) {
                if (i == bad / 3)
                    p.send(record("jw-fuzz-good-0", EventCodec.encode(job("jw-fuzz-good-0", "jw-fuzz", tiny(20)))));
                if (i == 2 * bad / 3)
                    p.send(record("jw-fuzz-good-1", EventCodec.encode(job("jw-fuzz-good-1", "jw-fuzz", tiny(20)))));
                String key = "jw-fuzz-bad-" + i;
                String own = json.replace("jw-fuzz-x", key);
                byte[] value = switch (i % 8) {
                    case 0 ->
                        own.substring(0, 1 + random.nextInt(own.length() - 1)).getBytes(StandardCharsets.UTF_8);
                    case 1 -> {
                        byte[] b = new byte[1 + random.nextInt(300)];
                        random.nextBytes(b);
                        yield b;
                    }
                    case 2 -> new byte[0];
                    case 3 -> null;
                    case 4 -> EventCodec.encode(StepRecord.of(key, 1, 0.1, 0.5, 0.2, 0.5)); // not a job
                    case 5 ->
                        own.replace("\"trainFraction\":", "\"trainFraction\":7,\"x\":")
                                .getBytes(StandardCharsets.UTF_8);
                    case 6 -> own.replace("\"steps\":", "\"stepz\":").getBytes(StandardCharsets.UTF_8);
                    default ->
                        own.replace("\"type\":\"job\"", "\"type\":\"jobs\"").getBytes(StandardCharsets.UTF_8);
                };
                p.send(record(key, value));
            }
            p.flush();
        }
        startWorker(1);
        await(
                "every bad job to the DLQ and both good ones run",
                () -> worker.stats().toDlq() == bad && worker.stats().ran() == 2);
        List<Event> dlq = topics.read(Topics.DLQ, k -> k.startsWith("jw-fuzz-bad-"), l -> l.size() >= bad, WAIT);
        assertThat(dlq).hasSize(bad);
        assertThat(dlq.stream().map(Event::run).distinct()).hasSize(bad);
        assertThat(topics.readAll(Topics.RUNS, k -> k.startsWith("jw-fuzz-good-")))
                .hasSize(4);
    }

    private static org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> record(String key, byte[] value) {
        return new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.JOBS, key, value);
    }

    @Test
    void badJobsGoToTheDlqWithTheReasonAndTheWorkerGoesOn() throws Exception {
        Map<String, Object> unknown = new LinkedHashMap<>(TrainConfigJson.toMap(tiny(20)));
        unknown.put("learningRate", 0.1);
        Map<String, Object> invalid = new LinkedHashMap<>(TrainConfigJson.toMap(tiny(20)));
        invalid.put("trainFraction", 1.5);
        topics.send(Topics.JOBS, "jw-bad-000", "{not json".getBytes(StandardCharsets.UTF_8));
        topics.send(new Job("jw-bad-001", "jw-bad", 1, Map.of(), unknown));
        topics.send(new Job("jw-bad-002", "jw-bad", 1, Map.of(), invalid));
        topics.send(job("jw-bad-003", "jw-bad", tiny(20)));
        startWorker(1);
        List<Event> dlq = topics.read(Topics.DLQ, k -> k.startsWith("jw-bad-"), l -> l.size() >= 3, WAIT);
        assertThat(dlq).hasSize(3);
        Map<String, String> errors = new LinkedHashMap<>();
        for (Event e : dlq) errors.put(e.run(), ((DlqRecord) e).error());
        assertThat(errors.get("jw-bad-000")).contains("not valid JSON");
        assertThat(errors.get("jw-bad-001")).contains("config").contains("learningRate");
        assertThat(errors.get("jw-bad-002")).contains("config").contains("trainFraction");
        assertThat(dlq)
                .allSatisfy(e -> assertThat(((DlqRecord) e).sourceTopic()).isEqualTo(Topics.JOBS));
        List<Event> runs = topics.read(Topics.RUNS, "jw-bad-003"::equals, l -> l.size() >= 2, WAIT);
        assertThat(runs).hasSize(2);
        assertThat(topics.readAll(Topics.RUNS, k -> k.startsWith("jw-bad-"))).hasSize(2);
        await(
                "three jobs to the DLQ, one run",
                () -> worker.stats().toDlq() == 3 && worker.stats().ran() == 1);
    }

    @Test
    void aRunWhoseRunFinishedIsOnTheTopicIsSkippedAndSaysSo() throws Exception {
        String run = "jw-done-000";
        topics.send(new RunStarted(
                run, 1, "add", "mlp", Map.of(), new Provenance(0, "x", "v", "g", "jvm", "os", "cpu", "cpu", "host")));
        topics.send(new RunFinished(run, 2, RunFinished.Status.COMPLETED, "ran 20 steps", 20));
        topics.send(job(run, "jw-done", tiny(20)));
        topics.send(job("jw-done-001", "jw-done", tiny(20)));
        startWorker(1);
        topics.read(Topics.RUNS, "jw-done-001"::equals, l -> l.size() >= 2, WAIT);
        await(
                "one skipped, one run",
                () -> worker.stats().skipped() == 1 && worker.stats().ran() == 1);
        assertThat(log.toString()).contains("job " + run + ": skipped, its run_finished is already on grokwatch.runs");
        assertThat(topics.readAll(Topics.RUNS, run::equals)).hasSize(2); // nothing new for the finished run
    }

    @Test
    void stopOnTheControlTopicStopsTheJobsRun() throws Exception {
        String run = "jw-stop-000";
        topics.send(job(run, "jw-stop", tiny(1_000_000)));
        startWorker(1);
        topics.read(Topics.METRICS, run::equals, l -> l.size() >= 3, WAIT);
        topics.send(new ControlCommand(run, "stop-1", ControlCommand.Command.STOP, System.currentTimeMillis(), "t"));
        List<Event> runs = topics.read(Topics.RUNS, run::equals, l -> l.size() >= 2, WAIT);
        RunFinished f = (RunFinished) runs.get(1);
        assertThat(f.status()).isEqualTo(RunFinished.Status.STOPPED);
        assertThat(f.reason()).contains("stop-1");
        await("the stopped job is done", () -> worker.stats().ran() == 1);
    }

    @Test
    void cancelStopsTheSweepsRunningRunAndDropsItsQueuedJobs() throws Exception {
        String sweep = "jw-cancel";
        for (int i = 0; i < 3; i++) topics.send(job(sweep + "-00" + i, sweep, tiny(1_000_000)));
        topics.send(job("jw-other-000", "jw-other", tiny(20)));
        startWorker(1);
        List<Event> started = topics.read(Topics.METRICS, k -> k.startsWith(sweep + "-"), l -> l.size() >= 3, WAIT);
        String first = started.get(0).run();
        topics.send(new ControlCommand(
                sweep, "cancel-1", ControlCommand.Command.CANCEL, System.currentTimeMillis(), "enough"));
        List<Event> runs = topics.read(Topics.RUNS, first::equals, l -> l.size() >= 2, WAIT);
        assertThat(((RunFinished) runs.get(1)).status()).isEqualTo(RunFinished.Status.STOPPED);
        topics.read(Topics.RUNS, "jw-other-000"::equals, l -> l.size() >= 2, WAIT);
        await("the others dropped", () -> worker.stats().dropped() == 2);
        assertThat(topics.readAll(Topics.RUNS, k -> k.startsWith(sweep + "-"))).hasSize(2);
        assertThat(log.toString()).contains(": dropped, sweep jw-cancel was cancelled");
    }

    @Test
    void closingHandsARunningJobOverWithACheckpointAndNoRunFinished() throws Exception {
        String run = "jw-hand-000";
        java.nio.file.Path ckpt = java.nio.file.Files.createTempDirectory("jw-hand");
        topics.send(job(run, "jw-hand", tiny(1_000_000)));
        worker = JobWorker.builder(topics.props())
                .slots(1)
                .threadsPerSlot(1)
                .group(group)
                .checkpointRoot(ckpt)
                .out(new PrintWriter(log, true))
                .build();
        thread = new Thread(worker::run, "test-worker");
        thread.start();
        topics.read(Topics.METRICS, run::equals, l -> l.size() >= 3, WAIT);
        worker.close();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(worker.stats().handedOver()).isEqualTo(1);
        assertThat(topics.readAll(Topics.RUNS, run::equals)).hasSize(1); // run_started only
        assertThat(new io.grokwatch.trainer.checkpoint.CheckpointDirectory(ckpt.resolve(run)).latest())
                .isPresent();

        // the next worker of the group takes the job up again and resumes it from that checkpoint
        StringWriter second = new StringWriter();
        worker = JobWorker.builder(topics.props())
                .slots(1)
                .threadsPerSlot(1)
                .group(group)
                .checkpointRoot(ckpt)
                .out(new PrintWriter(second, true))
                .build();
        thread = new Thread(worker::run, "test-worker-2");
        thread.start();
        await("resumed", () -> second.toString().contains("job " + run + ": started from its checkpoint at step"));
        topics.send(new ControlCommand(run, "stop-h", ControlCommand.Command.STOP, System.currentTimeMillis(), ""));
        List<Event> runs = topics.read(Topics.RUNS, run::equals, l -> l.size() >= 3, WAIT);
        assertThat(runs).extracting(Event::type).containsExactly("run_started", "run_started", "run_finished");
        assertThat(((RunStarted) runs.get(1)).config()).containsKey("resumedAtStep");
    }

    @Test
    void sameShapeJobsTrainAsOneBatchEachItsOwnRunAndAStopEndsOnlyItsRun() throws Exception {
        String sweep = "jw-batch";
        topics.send(job(sweep + "-000", sweep, tiny(1_000_000)));
        topics.send(
                job(sweep + "-001", sweep, tiny(80).toBuilder().weightDecay(1).build()));
        topics.send(job(sweep + "-002", sweep, tiny(120).toBuilder().seed(3).build()));
        worker = JobWorker.builder(topics.props())
                .slots(1)
                .batch(3)
                .threadsPerSlot(1)
                .group(group)
                .out(new PrintWriter(log, true))
                .build();
        thread = new Thread(worker::run, "test-worker");
        thread.start();
        // the short two end on the topic while the long one trains on (the batch's jobs commit when it ends)
        List<Event> ended = topics.read(
                Topics.RUNS,
                k -> k.equals(sweep + "-001") || k.equals(sweep + "-002"),
                l -> l.stream().filter(e -> e instanceof RunFinished).count() == 2,
                WAIT);
        assertThat(ended.stream().filter(e -> e instanceof RunFinished))
                .as(log.toString())
                .hasSize(2);
        assertThat(log.toString()).contains("started as one batch of 3");
        assertThat(worker.stats().ran()).isZero();
        String longRun = sweep + "-000";
        topics.send(new ControlCommand(longRun, "stop-b", ControlCommand.Command.STOP, System.currentTimeMillis(), ""));
        await("the stopped one finished", () -> worker.stats().ran() == 3);

        List<Event> runs = topics.readAll(Topics.RUNS, k -> k.startsWith(sweep + "-"));
        assertThat(runs).hasSize(6);
        for (Event e : runs) {
            if (e instanceof RunStarted r) assertThat(r.config()).containsEntry("batchedWith", 2);
            if (e instanceof RunFinished f) {
                assertThat(f.status())
                        .as(f.run())
                        .isEqualTo(f.run().equals(longRun) ? RunFinished.Status.STOPPED : RunFinished.Status.COMPLETED);
            }
        }
        assertThat(topics.readAll(Topics.METRICS, (sweep + "-001")::equals)).hasSize(80 / 10 + 1);
        assertThat(topics.readAll(Topics.METRICS, (sweep + "-002")::equals)).hasSize(120 / 10 + 1);
    }

    private void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "\n" + log);
            Thread.sleep(50);
        }
    }
}
