package io.grokwatch.cli.worker;

import io.grokwatch.cli.OneLine;
import io.grokwatch.cli.train.BatchSession;
import io.grokwatch.cli.train.Progress;
import io.grokwatch.cli.train.TrainingSession;
import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Job;
import io.grokwatch.events.Topics;
import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.checkpoint.CheckpointDirectory;
import io.grokwatch.trainer.checkpoint.CheckpointFile;
import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.train.BatchTrainer;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A trainer service: takes jobs from grokwatch.jobs in one consumer group with the other workers, trains each as
 * {@code grokwatch train} would, and commits a job's offset only when its run has finished.
 *
 * <pre>{@code
 * try (JobWorker w = JobWorker.builder(kafkaProps).slots(2).checkpointRoot(dir).out(err).build()) {
 *     w.run(); // until close() from another thread
 * }
 * }</pre>
 *
 * <p>The poll thread owns the consumer: it takes a job only when a slot is free (partitions are paused otherwise, so a
 * busy worker hoards nothing), skips runs whose run_finished is already on grokwatch.runs, drops jobs of cancelled
 * sweeps, and sends jobs that do not decode or whose config is invalid to the DLQ with the reason. Slots train on
 * their own threads. When a partition moves to another worker (or the worker closes), its running jobs are handed
 * over: they stop after the current step with a checkpoint and no run_finished, and the new owner resumes them from
 * {@code checkpointRoot/RUN/} when it can read it, else from step 0.
 */
public final class JobWorker implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);
    // A commit a poll made a run of bad jobs cost a round trip each; a crash re-reads at most this much.
    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
    private static final Duration LEDGER_WAIT = Duration.ofSeconds(15);
    private static final Duration HANDOVER_WAIT = Duration.ofSeconds(60);
    private static final long BATCH_LINGER_NANOS = TimeUnit.SECONDS.toNanos(1); // for more jobs of one shape

    private final Builder b;
    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> dlq;
    private final RunLedger ledger;
    private final ExecutorService slots;
    private final JobOffsets offsets = new JobOffsets();
    private final Queue<List<Taken>> waiting = new ArrayDeque<>(); // units (one job, or a batch) for a free slot
    private final List<Taken> forming = new ArrayList<>(); // same-shape jobs gathering into a batch
    private long formingSince;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Queue<DlqSent> dlqSent = new ConcurrentLinkedQueue<>(); // filled by the DLQ producer's callbacks
    private long lastCommitNanos;
    private final AtomicInteger busy = new AtomicInteger();
    private final WorkerStats stats = new WorkerStats();
    private volatile boolean open = true;
    private final Object closed = new Object();
    private boolean loopEnded; // guarded by closed

    /** A job taken off the topic, decoded and checked. */
    private record Taken(TopicPartition tp, long offset, Job job, TrainConfig cfg) {}

    /** What the poll thread may do to a running job's run. */
    private interface RunHandle {
        void stop(ControlCommand cmd);

        void handOver();
    }

    private record Running(Taken taken, RunHandle handle) {}

    /** A job's end; {@code lastOfUnit} frees its slot (a batch's jobs end together). */
    private record Finished(Taken taken, TrainingSession.Result result, String error, boolean lastOfUnit) {}

    /** Counts of what this worker did with the jobs it took. */
    public static final class WorkerStats {
        final AtomicInteger ran = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();
        final AtomicInteger toDlq = new AtomicInteger();
        final AtomicInteger handedOver = new AtomicInteger();

        /** Runs trained to their end here. */
        public int ran() {
            return ran.get();
        }

        /** Jobs whose run had already finished. */
        public int skipped() {
            return skipped.get();
        }

        /** Jobs of cancelled sweeps. */
        public int dropped() {
            return dropped.get();
        }

        /** Bad jobs sent to the DLQ. */
        public int toDlq() {
            return toDlq.get();
        }

        /** Runs stopped here for another worker to continue. */
        public int handedOver() {
            return handedOver.get();
        }
    }

    private JobWorker(Builder b) {
        this.b = b;
        this.name = b.name;
        this.consumer = new KafkaConsumer<>(consumerConfig(b.kafka, b.group, name));
        this.dlq = new KafkaProducer<>(producerConfig(b.kafka, name));
        this.ledger = new RunLedger(b.kafka, name, this::cancelSweep, this::say);
        this.slots = Executors.newFixedThreadPool(b.slots, r -> {
            Thread t = new Thread(r, name + "-slot");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts configuring a worker on these Kafka client settings. */
    public static Builder builder(Properties kafka) {
        return new Builder(kafka);
    }

    /** The consumer settings of the jobs topic: one group, commits by hand, one job per poll. */
    static Properties consumerConfig(Properties kafka, String group, String clientId) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // One job per poll: a worker takes only what a free slot can start, the rest stays for the others.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        // Only partitions that move are revoked, so a joining worker does not interrupt every running job.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // A killed worker's jobs move on within seconds rather than Kafka's default 45.
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "2000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private static Properties producerConfig(Properties kafka, String clientId) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-dlq");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // A DLQ send is given up (and its job kept for a restart) after 30 s, not Kafka's 2 minutes: commits wait for
        // it.
        if (!p.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)
                && !p.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** What this worker has done so far. */
    public WorkerStats stats() {
        return stats;
    }

    /** Runs the poll loop on the calling thread until {@link #close()}. */
    public void run() {
        say("grokwatch worker " + name + ": " + b.slots + " slot" + (b.slots == 1 ? "" : "s")
                + (b.batch > 1 ? " of up to " + b.batch + " batched jobs" : "") + " x "
                + (b.threadsPerSlot == null ? "default" : b.threadsPerSlot) + " thread(s), group " + b.group
                + ", checkpoints "
                + (b.checkpointRoot == null ? "off (a moved job restarts at step 0)" : "in " + b.checkpointRoot));
        try {
            consumer.subscribe(List.of(Topics.JOBS), new Rebalance());
            while (open) {
                try {
                    settleFinished();
                    startWaiting();
                    pauseWhenFull();
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) take(r);
                    settleDlq();
                    commitEvery(COMMIT_INTERVAL);
                } catch (WakeupException e) {
                    if (open) throw e;
                } catch (KafkaException e) {
                    say("grokwatch worker " + name + ": Kafka: " + OneLine.describe(e)
                            + " (retrying; running jobs go on)");
                    sleep(1_000);
                }
            }
        } finally {
            shutDown();
        }
    }

    /** Hands running jobs over, leaves the group and stops; returns once the poll loop has ended. Idempotent. */
    @Override
    public void close() {
        open = false;
        consumer.wakeup();
        synchronized (closed) {
            long deadline = System.nanoTime() + HANDOVER_WAIT.toNanos() + TimeUnit.SECONDS.toNanos(10);
            while (!loopEnded && System.nanoTime() < deadline) {
                try {
                    closed.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- poll thread

    private void take(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        offsets.take(tp, r.offset());
        Job job;
        TrainConfig cfg;
        try {
            job = EventCodec.decode(r.value(), Job.class);
        } catch (InvalidEventException e) {
            toDlq(r, tp, e.getMessage());
            return;
        }
        try {
            cfg = TrainConfigJson.fromMap(job.config());
        } catch (IllegalArgumentException e) {
            toDlq(r, tp, "config: " + e.getMessage());
            return;
        }
        Taken t = new Taken(tp, r.offset(), job, cfg);
        if (ledger.cancelled(job.sweep())) {
            stats.dropped.incrementAndGet();
            say("job " + job.run() + ": dropped, sweep " + job.sweep() + " was cancelled");
            offsets.done(tp, r.offset());
        } else if (alreadyFinished(job.run())) {
            stats.skipped.incrementAndGet();
            say("job " + job.run() + ": skipped, its run_finished is already on " + Topics.RUNS);
            offsets.done(tp, r.offset());
        } else {
            enqueue(t);
        }
    }

    /** Into a forming batch when it can join one, else a unit of its own. */
    private void enqueue(Taken t) {
        if (b.batch > 1 && batchable(t)) {
            if (!forming.isEmpty() && !BatchTrainer.canBatch(forming.get(0).cfg(), t.cfg())) flushForming();
            if (forming.isEmpty()) formingSince = System.nanoTime();
            forming.add(t);
            if (forming.size() >= b.batch) flushForming();
        } else {
            waiting.add(List.of(t));
        }
    }

    /** A batch trains without checkpoints, so a job that has one resumes alone instead. */
    private boolean batchable(Taken t) {
        if (BatchTrainer.unsupported(t.cfg()).isPresent()) return false;
        return b.checkpointRoot == null
                || !java.nio.file.Files.isDirectory(
                        b.checkpointRoot.resolve(t.job().run()));
    }

    private void flushForming() {
        if (forming.isEmpty()) return;
        waiting.add(List.copyOf(forming));
        forming.clear();
    }

    /** True when the run's run_finished is on the runs topic, reading it at least up to its end as of now. */
    private boolean alreadyFinished(String run) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(runsPartitions(), Duration.ofSeconds(10));
        long deadline = System.nanoTime() + LEDGER_WAIT.toNanos();
        while (!ledger.caughtUpTo(ends) && System.nanoTime() < deadline) sleep(20);
        if (!ledger.caughtUpTo(ends)) {
            say("job " + run + ": " + Topics.RUNS + " not read up to its end within " + LEDGER_WAIT.toSeconds()
                    + " s; running the job without knowing whether it already finished");
        }
        return ledger.finished(run);
    }

    private List<TopicPartition> runsPartitions() {
        List<TopicPartition> parts = new ArrayList<>();
        consumer.partitionsFor(Topics.RUNS).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
        return parts;
    }

    private void startWaiting() {
        if (!forming.isEmpty() && System.nanoTime() - formingSince > BATCH_LINGER_NANOS) flushForming();
        while (!waiting.isEmpty() && busy.get() < b.slots) start(waiting.poll());
    }

    private void pauseWhenFull() {
        Collection<TopicPartition> assigned = consumer.assignment();
        if (busy.get() >= b.slots || !waiting.isEmpty()) {
            consumer.pause(assigned);
        } else {
            consumer.resume(consumer.paused());
        }
    }

    private void start(List<Taken> unit) {
        busy.incrementAndGet();
        slots.execute(() -> {
            if (unit.size() == 1) {
                train(unit.get(0));
            } else {
                trainBatch(unit);
            }
        });
    }

    private void settleFinished() {
        for (Finished f; (f = finished.poll()) != null; ) {
            Job job = f.taken().job();
            if (f.lastOfUnit()) busy.decrementAndGet();
            if (f.result() != null && f.result().handedOver()) {
                stats.handedOver.incrementAndGet();
                say("job " + job.run() + ": handed over at step "
                        + lastStep(f.result().outcome()) + " (checkpoint written; not committed)");
                continue; // its partition is gone or the worker is closing: the offset stays uncommitted
            }
            if (f.error() != null) {
                toDlq(f.taken(), f.error());
                continue;
            }
            stats.ran.incrementAndGet();
            offsets.done(f.taken().tp(), f.taken().offset());
            say("job " + job.run() + ": " + (f.result() == null ? "failed" : describe(f.result())));
        }
    }

    private void commitEvery(Duration interval) {
        if (System.nanoTime() - lastCommitNanos >= interval.toNanos()) commit();
    }

    /** Commits what is done, after every DLQ send in flight has been answered. */
    private void commit() {
        dlq.flush();
        settleDlq();
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> ready = offsets.committable();
        ready.keySet().retainAll(consumer.assignment());
        if (!ready.isEmpty()) consumer.commitSync(ready);
        lastCommitNanos = System.nanoTime();
    }

    /** A DLQ send that the broker answered: {@code error} is null when it was written. */
    private record DlqSent(TopicPartition tp, long offset, String key, String reason, Exception error) {}

    private void toDlq(ConsumerRecord<String, byte[]> r, TopicPartition tp, String error) {
        String payload = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
        sendDlq(r.key(), tp, r.offset(), payload, error);
    }

    private void toDlq(Taken t, String error) {
        sendDlq(t.job().run(), t.tp(), t.offset(), EventCodec.encodeToString(t.job()), error);
    }

    private void sendDlq(String key, TopicPartition tp, long offset, String payload, String error) {
        DlqRecord d =
                new DlqRecord(key, tp.topic(), tp.partition(), offset, payload, error, System.currentTimeMillis());
        // Sent without waiting, so a run of bad jobs costs no round trip each; the poll thread settles the answers.
        try {
            dlq.send(
                    new ProducerRecord<>(Topics.DLQ, d.run(), EventCodec.encode(d)),
                    (meta, e) -> dlqSent.add(new DlqSent(tp, offset, key, error, e)));
        } catch (KafkaException e) {
            dlqSent.add(new DlqSent(tp, offset, key, error, e));
        }
    }

    private void settleDlq() {
        for (DlqSent s; (s = dlqSent.poll()) != null; ) {
            if (s.error() != null) {
                // not marked done: the offset is not committed, and the job comes back after a restart
                say("job at " + s.tp() + "@" + s.offset() + ": could not reach the DLQ (" + OneLine.describe(s.error())
                        + "); kept");
                continue;
            }
            stats.toDlq.incrementAndGet();
            offsets.done(s.tp(), s.offset());
            say("job at " + s.tp() + "@" + s.offset() + (s.key() == null ? "" : " (" + s.key() + ")") + ": to "
                    + Topics.DLQ + ": " + s.reason());
        }
    }

    private void shutDown() {
        try {
            forming.clear();
            waiting.clear();
            for (Running r : running.values()) r.handle().handOver();
            waitForSlots(running.keySet());
            settleFinished();
            try {
                commit();
            } catch (KafkaException e) {
                say("grokwatch worker " + name + ": last commit failed: " + OneLine.describe(e));
            }
            slots.shutdownNow();
            consumer.close();
        } finally {
            ledger.close();
            dlq.close(Duration.ofSeconds(5));
            synchronized (closed) {
                loopEnded = true;
                closed.notifyAll();
            }
        }
    }

    /** Partitions moving away: hand their running jobs over and wait for the final checkpoints. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            settleFinished();
            commit(); // jobs finished on these partitions are committed before they move
            List<String> handed = new ArrayList<>();
            for (Running r : running.values()) {
                if (parts.contains(r.taken().tp())) {
                    r.handle().handOver();
                    handed.add(r.taken().job().run());
                }
            }
            waitForSlots(handed);
            settleFinished();
            forming.removeIf(t -> parts.contains(t.tp()));
            // a batch's jobs not yet started leave with their partitions; the rest of the batch stays
            List<List<Taken>> kept = new ArrayList<>();
            for (List<Taken> unit : waiting) {
                List<Taken> rest =
                        unit.stream().filter(t -> !parts.contains(t.tp())).toList();
                if (!rest.isEmpty()) kept.add(rest);
            }
            waiting.clear();
            waiting.addAll(kept);
            for (TopicPartition tp : parts) offsets.forget(tp);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {}

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            onPartitionsRevoked(parts);
        }
    }

    private void waitForSlots(Collection<String> runs) {
        long deadline = System.nanoTime() + HANDOVER_WAIT.toNanos();
        List<String> left = new ArrayList<>(runs);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left.removeIf(run -> !running.containsKey(run));
            if (!left.isEmpty()) sleep(20);
        }
        if (!left.isEmpty()) say("grokwatch worker " + name + ": " + left + " did not stop within " + HANDOVER_WAIT);
    }

    // ---------------------------------------------------------------- slot threads

    private void train(Taken t) {
        Job job = t.job();
        TrainingSession session;
        Checkpoint from;
        try {
            Path dir = b.checkpointRoot == null ? null : b.checkpointRoot.resolve(job.run());
            from = dir == null ? null : latestCheckpoint(dir, job.run());
            Progress progress = new Progress(b.out, false, t.cfg().steps(), b.progressInterval, "[" + job.run() + "] ");
            Map<String, Object> extra = runStartedExtra(job);
            session = TrainingSession.builder(t.cfg(), job.run())
                    .metrics(metricsFile(job.run(), from != null, progress))
                    .resumeFrom(from)
                    .threads(b.threadsPerSlot)
                    .checkpoints(dir, b.checkpointEvery, b.checkpointKeep)
                    .kafka(b.kafka)
                    .progress(progress)
                    .extraConfig(extra)
                    .open();
        } catch (IllegalArgumentException | IOException e) {
            finished.add(new Finished(t, null, "cannot run: " + OneLine.describe(e), true));
            return;
        }
        TrainingSession.Result result = null;
        TrainingSession s = session;
        running.put(job.run(), new Running(t, new RunHandle() {
            @Override
            public void stop(ControlCommand cmd) {
                s.stop(cmd);
            }

            @Override
            public void handOver() {
                s.handOver();
            }
        }));
        try {
            if (ledger.cancelled(job.sweep())) session.stop(cancelCommand(job.sweep()));
            say("job " + job.run() + ": started" + (from == null ? "" : " from its checkpoint at step " + from.step())
                    + (job.point().isEmpty() ? "" : " (" + job.describePoint() + ")"));
            result = session.run();
        } catch (RuntimeException e) {
            // run_finished FAILED is on the topic already (the session's listener): the job is over
            result = session.lastResult();
            say("job " + job.run() + ": failed: " + OneLine.describe(e));
        } finally {
            running.remove(job.run());
            finished.add(new Finished(t, result, null, true));
        }
    }

    /** Same-shape jobs in one {@link BatchSession}: one stacked step for all, each its own run on the topics. */
    private void trainBatch(List<Taken> unit) {
        List<BatchSession.Member> members = new ArrayList<>();
        BatchSession session;
        try {
            for (Taken t : unit) {
                Job job = t.job();
                Progress progress =
                        new Progress(b.out, false, t.cfg().steps(), b.progressInterval, "[" + job.run() + "] ");
                members.add(new BatchSession.Member(
                        t.cfg(), job.run(), runStartedExtra(job), progress, metricsFile(job.run(), false, progress)));
            }
            session = new BatchSession(members, b.kafka, b.threadsPerSlot == null ? 1 : b.threadsPerSlot);
        } catch (IllegalArgumentException | IOException e) {
            for (int i = 0; i < unit.size(); i++) {
                finished.add(
                        new Finished(unit.get(i), null, "cannot run: " + OneLine.describe(e), i == unit.size() - 1));
            }
            return;
        }
        for (int i = 0; i < unit.size(); i++) {
            int member = i;
            Taken t = unit.get(i);
            running.put(t.job().run(), new Running(t, new RunHandle() {
                @Override
                public void stop(ControlCommand cmd) {
                    session.stop(member, cmd);
                }

                @Override
                public void handOver() {
                    session.handOver(member);
                }
            }));
            if (ledger.cancelled(t.job().sweep()))
                session.stop(i, cancelCommand(t.job().sweep()));
        }
        say("jobs " + unit.get(0).job().run() + " .. "
                + unit.get(unit.size() - 1).job().run() + ": started as one batch of " + unit.size() + " ("
                + BatchTrainer.shapeKey(unit.get(0).cfg()) + ")");
        List<TrainingSession.Result> results = null;
        try {
            results = session.run();
        } catch (RuntimeException e) {
            say("batch of " + unit.size() + " failed: " + OneLine.describe(e));
        } finally {
            for (int i = 0; i < unit.size(); i++) {
                running.remove(unit.get(i).job().run());
                finished.add(
                        new Finished(unit.get(i), results == null ? null : results.get(i), null, i == unit.size() - 1));
            }
        }
    }

    private Map<String, Object> runStartedExtra(Job job) {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (!job.sweep().isEmpty()) extra.put("sweep", job.sweep());
        if (!job.point().isEmpty()) extra.put("point", job.point());
        extra.put("worker", name);
        return extra;
    }

    /** {@code metricsDir/RUN.jsonl}, appended to when the run resumes; null without a metrics dir. */
    private JsonlStepWriter metricsFile(String run, boolean resumed, Progress progress) throws IOException {
        if (b.metricsDir == null) return null;
        java.nio.file.Files.createDirectories(b.metricsDir);
        return JsonlStepWriter.builder(b.metricsDir.resolve(run + ".jsonl"))
                .append(resumed)
                .warnings(progress::println)
                .open();
    }

    /** The newest checkpoint of the run that reads, or null; a torn newest file falls back to the one before. */
    private Checkpoint latestCheckpoint(Path dir, String run) throws IOException {
        List<Path> files = new CheckpointDirectory(dir).list();
        for (int i = files.size() - 1; i >= 0; i--) {
            try {
                Checkpoint c = CheckpointFile.read(files.get(i));
                if (c.run().equals(run)) return c;
            } catch (IOException e) {
                say("job " + run + ": checkpoint " + files.get(i) + " does not read (" + OneLine.describe(e)
                        + "); trying the one before");
            }
        }
        return null;
    }

    private void cancelSweep(ControlCommand cancel) {
        for (Running r : running.values()) {
            if (r.taken().job().sweep().equals(cancel.run())) {
                say("job " + r.taken().job().run() + ": stopping, sweep " + cancel.run() + " cancelled");
                r.handle().stop(cancel);
            }
        }
    }

    private static ControlCommand cancelCommand(String sweep) {
        return new ControlCommand(
                sweep, "cancel-" + sweep, ControlCommand.Command.CANCEL, System.currentTimeMillis(), "sweep cancelled");
    }

    // ---------------------------------------------------------------- messages

    private static String describe(TrainingSession.Result r) {
        Outcome o = r.outcome();
        if (o == null) return "ended without an outcome";
        return o.status() + " at step " + o.lastStep() + " (t_train " + reached(o.trainReached()) + ", t_val "
                + reached(o.valReached()) + ") in " + String.format(java.util.Locale.ROOT, "%.1f s", r.seconds())
                + (o.reason() == null || o.reason().isEmpty() ? "" : ": " + o.reason());
    }

    private static String reached(long step) {
        return step < 0 ? "-" : Long.toString(step);
    }

    private static long lastStep(Outcome o) {
        return o == null ? 0 : o.lastStep();
    }

    private void say(String line) {
        synchronized (b.out) {
            b.out.println(line);
            b.out.flush();
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            open = false;
        }
    }

    /** Configures a {@link JobWorker}. */
    public static final class Builder {
        private final Properties kafka;
        private int slots = 1;
        private int batch = 1;
        private Integer threadsPerSlot;
        private Path checkpointRoot;
        private Path metricsDir;
        private long checkpointEvery = 1000;
        private int checkpointKeep = 2;
        private String group = ConsumerGroups.WORKER;
        private String name = "worker-" + ProcessHandle.current().pid();
        private PrintWriter out = new PrintWriter(System.err, true);
        private Duration progressInterval = Duration.ofSeconds(30);

        private Builder(Properties kafka) {
            this.kafka = Objects.requireNonNull(kafka, "kafka");
        }

        /** Jobs run at once (default 1). */
        public Builder slots(int n) {
            if (n < 1) throw new IllegalArgumentException("slots must be >= 1, got " + n);
            this.slots = n;
            return this;
        }

        /**
         * Up to {@code n} jobs of one MLP shape train together in a slot, one stacked step for all ({@link
         * BatchTrainer}; default 1: each job alone). Batched runs write no checkpoints: a moved one restarts.
         */
        public Builder batch(int n) {
            if (n < 1) throw new IllegalArgumentException("batch must be >= 1, got " + n);
            this.batch = n;
            return this;
        }

        /** Trainer threads per job; null for the trainer's default. */
        public Builder threadsPerSlot(Integer n) {
            if (n != null && n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
            this.threadsPerSlot = n;
            return this;
        }

        /** Checkpoints go to {@code root/RUN/}; a job whose directory holds one resumes from it. Null: none. */
        public Builder checkpointRoot(Path root) {
            this.checkpointRoot = root;
            return this;
        }

        /** Each job also writes its step records to {@code dir/RUN.jsonl}, as train's --metrics-out. Null: none. */
        public Builder metricsDir(Path dir) {
            this.metricsDir = dir;
            return this;
        }

        /** Steps between checkpoints (default 1000; 0: only at the end and on hand-over). */
        public Builder checkpointEvery(long steps) {
            if (steps < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + steps);
            this.checkpointEvery = steps;
            return this;
        }

        /** The consumer group the workers share (default {@value ConsumerGroups#WORKER}). */
        public Builder group(String group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /** This worker's name in messages, run_started and its Kafka client ids. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where messages and progress lines go. */
        public Builder out(PrintWriter out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        /** How often each job prints its progress line. */
        public Builder progressInterval(Duration d) {
            this.progressInterval = Objects.requireNonNull(d, "progressInterval");
            return this;
        }

        public JobWorker build() {
            return new JobWorker(this);
        }
    }
}
