package io.grokwatch.analyzer.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A reactive Kafka source over plain kafka-clients: one poll thread owns one
 * {@link KafkaConsumer}; what it polls is emitted as {@link SourceSignal.Batch}es, with
 * rebalance notices in between.
 *
 * <pre>{@code
 * KafkaSource<Void> source = KafkaSource.<Void>builder()
 *     .consumerConfig(Map.of("bootstrap.servers", servers, "group.id", "g"))
 *     .topics(List.of(Topics.METRICS))
 *     .watermarks(Watermarks.ofBatches(4, 500))
 *     .build();
 * source.receive()
 *     .concatMap(signal -> process(signal).doFinally(s -> source.finished(signal)), 1)
 *     .subscribe();
 * }</pre>
 *
 * <p>Batches and demand: the poll thread polls continuously and holds what it gets until
 * downstream requests; then everything held goes out as one batch. So a subscriber that requests
 * one batch at a time gets one batch per request, each holding what arrived while it was busy:
 * small batches (low latency) when it keeps up, bigger ones (fewer transactions) when it does not.
 *
 * <p>Backpressure: the poll thread keeps polling (so the consumer stays in its group) but pauses
 * every assigned partition while more than {@link Watermarks#high} records are held or emitted
 * and not yet {@link #finished}; it resumes them at {@link Watermarks#low}.
 *
 * <p>Offsets: the source never commits. Downstream commits a batch's
 * {@link SourceSignal.Batch#nextOffsets} once its records are processed (for exactly-once, in a
 * producer transaction with {@link SourceSignal.Batch#group}), then calls {@link #finished}.
 *
 * <p>Rebalances (eager, {@link RangeAssignor}, so partition i of every subscribed topic goes to
 * the same member): on revocation the source ends its epoch, so batches already queued are
 * dropped by {@link #begin} instead of processed, waits a bounded time for the batch being
 * committed, and emits {@link SourceSignal.Revoked}. On assignment it rewinds the partitions to
 * their committed offsets (read_committed waits for pending transactional commits), runs the
 * {@link AssignmentHandler} and emits {@link SourceSignal.Assigned} before any of their records.
 *
 * <p>One subscriber per source; cancelling the subscription stops the poll thread, which closes
 * the consumer and leaves the group.
 */
public final class KafkaSource<R> {
    private final Map<String, Object> consumerConfig;
    private final List<String> topics;
    private final Watermarks watermarks;
    private final Duration pollTimeout;
    private final Duration pausedPollTimeout;
    private final Duration revokeTimeout;
    private final Duration closeTimeout;
    private final AssignmentHandler<R> assignmentHandler;
    private final String threadName;

    private final InFlightBatches inFlight = new InFlightBatches();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicLong lag = new AtomicLong();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private KafkaSource(Builder<R> b) {
        Map<String, Object> cfg = new HashMap<>(b.consumerConfig);
        // Offsets are committed by the downstream transaction, never by the consumer on its own.
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cfg.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cfg.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Range gives co-partitioned topics' partition i to one member: per-run state stays whole.
        cfg.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        if (!cfg.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("consumerConfig must set bootstrap.servers");
        }
        if (!cfg.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
            throw new IllegalArgumentException("consumerConfig must set group.id");
        }
        this.consumerConfig = Map.copyOf(cfg);
        this.topics = List.copyOf(b.topics);
        this.watermarks = b.watermarks;
        this.pollTimeout = b.pollTimeout;
        this.pausedPollTimeout = b.pausedPollTimeout;
        this.revokeTimeout = b.revokeTimeout;
        this.closeTimeout = b.closeTimeout;
        this.assignmentHandler = b.assignmentHandler;
        this.threadName = "grokwatch-kafka-source-" + cfg.get(ConsumerConfig.GROUP_ID_CONFIG);
    }

    /** Starts configuring a source; consumerConfig and topics are required. */
    public static <R> Builder<R> builder() {
        return new Builder<>();
    }

    /**
     * Emits poll batches and rebalance notices, on the poll thread, in poll order. Subscribing
     * starts the poll thread; cancelling stops it. Emits an error when the consumer fails (e.g.
     * fenced, unreachable past its timeouts, or the assignment handler threw).
     */
    public Flux<SourceSignal<R>> receive() {
        return Flux.create(
                sink -> {
                    if (!subscribed.compareAndSet(false, true)) {
                        sink.error(
                                new IllegalStateException("a KafkaSource takes one subscriber; build another source"));
                        return;
                    }
                    PollLoop loop = new PollLoop(sink);
                    sink.onRequest(loop::request);
                    sink.onDispose(loop::stop);
                    Thread t = new Thread(loop, threadName);
                    t.setDaemon(true);
                    t.start();
                },
                FluxSink.OverflowStrategy.BUFFER);
    }

    /**
     * Call before processing a batch. False means a rebalance has rewound the batch's partitions:
     * drop it unprocessed (and still call {@link #finished}).
     */
    public boolean begin(SourceSignal.Batch<R> batch) {
        return inFlight.begin(batch);
    }

    /** Call once a batch is committed, aborted or dropped; frees its backpressure budget. */
    public void finished(SourceSignal.Batch<R> batch) {
        inFlight.finished(batch);
    }

    /** Records emitted and not yet finished. */
    public long outstandingRecords() {
        return inFlight.outstandingRecords();
    }

    /** Sum of the consumer's lag over its assigned partitions after its latest poll. */
    public long lag() {
        return lag.get();
    }

    /**
     * Waits until the poll thread has closed the consumer (it left the group) after the
     * subscription ended; true at once if the source was never subscribed. False on timeout.
     */
    public boolean awaitStopped(Duration max) throws InterruptedException {
        return !subscribed.get() || stopped.await(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The consumer configuration as used, with the settings this source enforces. */
    public Map<String, Object> consumerConfig() {
        return consumerConfig;
    }

    /** The poll loop; every consumer call happens on its thread. */
    private final class PollLoop implements Runnable, ConsumerRebalanceListener {
        private final FluxSink<SourceSignal<R>> sink;
        private final AtomicLong requested = new AtomicLong();
        private volatile boolean running = true;
        private volatile KafkaConsumer<String, byte[]> consumer;
        private boolean paused;
        /** Records polled but not yet handed downstream (no demand yet), in poll order: per partition, offset order. */
        private final List<ConsumerRecord<String, byte[]>> pending = new ArrayList<>();

        private final Map<TopicPartition, OffsetAndMetadata> pendingOffsets = new HashMap<>();

        PollLoop(FluxSink<SourceSignal<R>> sink) {
            this.sink = sink;
        }

        void request(long n) {
            requested.accumulateAndGet(
                    n, (a, b) -> a == Long.MAX_VALUE || (a > 0 && a + b < 0) ? Long.MAX_VALUE : a + b);
        }

        void stop() {
            running = false;
            KafkaConsumer<String, byte[]> c = consumer;
            if (c != null) c.wakeup();
        }

        @Override
        public void run() {
            Throwable failure = null;
            try {
                consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
                if (!running) return; // cancelled before the consumer existed: wakeup() missed it
                consumer.subscribe(topics, this);
                while (running) {
                    ConsumerRecords<String, byte[]> polled;
                    try {
                        // Poll briefly while holding records or paused, so new demand or room is noticed soon.
                        polled = consumer.poll(paused || !pending.isEmpty() ? pausedPollTimeout : pollTimeout);
                    } catch (WakeupException e) {
                        continue; // stop() woke us; the loop condition decides
                    }
                    hold(polled);
                    if (!pending.isEmpty() && requested.get() > 0) emit(takePending());
                    updateLag();
                    applyBackpressure();
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                running = false;
                closeQuietly();
                stopped.countDown();
            }
            if (failure != null) sink.error(failure);
            else sink.complete();
        }

        /** Adds a poll's records to those waiting for downstream demand; offsets of later polls win. */
        private void hold(ConsumerRecords<String, byte[]> polled) {
            if (polled.isEmpty()) return;
            for (TopicPartition tp : polled.partitions()) pending.addAll(polled.records(tp));
            pendingOffsets.putAll(polled.nextOffsets());
        }

        /**
         * Everything polled since the last hand-off, as one batch: while downstream is busy with a
         * batch the next one grows (up to the high watermark), so a slow transaction is followed by
         * a bigger one rather than by many small ones.
         */
        private SourceSignal.Batch<R> takePending() {
            SourceSignal.Batch<R> b = new SourceSignal.Batch<>(
                    inFlight.epoch(), pending, consumer.groupMetadata(), pendingOffsets, caughtUpPartitions());
            pending.clear();
            pendingOffsets.clear();
            return b;
        }

        /** Assigned partitions whose lag is known to be 0: everything in them up to now is in {@link #pending} or before. */
        private Set<TopicPartition> caughtUpPartitions() {
            Set<TopicPartition> out = new HashSet<>();
            for (TopicPartition tp : consumer.assignment()) {
                OptionalLong l = consumer.currentLag(tp);
                if (l.isPresent() && l.getAsLong() == 0) out.add(tp);
            }
            return out;
        }

        private void emit(SourceSignal<R> signal) {
            if (signal instanceof SourceSignal.Batch<R> b) inFlight.emitted(b);
            // May go below zero: rebalance notices are emitted without demand and wait in the sink's
            // buffer; the requests that drain them must not count as room for a batch.
            requested.getAndUpdate(r -> r == Long.MAX_VALUE ? r : r - 1);
            sink.next(signal);
        }

        private void applyBackpressure() {
            long buffered = inFlight.outstandingRecords() + pending.size();
            if (!paused && buffered > watermarks.high()) {
                consumer.pause(consumer.assignment());
                paused = true;
            } else if (paused && buffered <= watermarks.low()) {
                consumer.resume(consumer.paused());
                paused = false;
            }
        }

        private void updateLag() {
            long sum = 0;
            for (TopicPartition tp : consumer.assignment()) {
                OptionalLong l = consumer.currentLag(tp);
                if (l.isPresent()) sum += l.getAsLong();
            }
            lag.set(sum);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            revoke(partitions, false);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            revoke(partitions, true);
        }

        private void revoke(Collection<TopicPartition> partitions, boolean lost) {
            if (partitions.isEmpty()) return;
            // Held records are re-read after the partitions are rewound to their committed offsets.
            pending.clear();
            pendingOffsets.clear();
            try {
                // Lost partitions are someone else's already: a commit for them is fenced, don't wait.
                inFlight.endEpochAndAwaitIdle(lost || !running ? Duration.ZERO : revokeTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            emit(new SourceSignal.Revoked<>(new HashSet<>(partitions), lost));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> assigned = new HashSet<>(partitions);
            if (!assigned.isEmpty()) {
                // Rewind explicitly: whatever the consumer fetched before the rebalance is not ours to trust.
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
                List<TopicPartition> uncommitted = new ArrayList<>();
                for (TopicPartition tp : assigned) {
                    OffsetAndMetadata o = committed.get(tp);
                    if (o == null) uncommitted.add(tp);
                    else consumer.seek(tp, o);
                }
                if (!uncommitted.isEmpty()) {
                    if ("latest".equals(String.valueOf(consumerConfig.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)))) {
                        consumer.seekToEnd(uncommitted);
                    } else {
                        consumer.seekToBeginning(uncommitted);
                    }
                }
                if (paused) consumer.pause(assigned);
            }
            emit(new SourceSignal.Assigned<>(assigned, assignmentHandler.restore(assigned)));
        }

        private void closeQuietly() {
            KafkaConsumer<String, byte[]> c = consumer;
            if (c != null) {
                try {
                    c.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                            .withTimeout(closeTimeout));
                } catch (RuntimeException ignored) {
                    // Closing after a failure: the failure is what downstream needs to see.
                }
            }
            try {
                assignmentHandler.close();
            } catch (Exception ignored) {
                // As above.
            }
        }
    }

    /** Configures a {@link KafkaSource}; values are checked when set. */
    public static final class Builder<R> {
        private Map<String, Object> consumerConfig = Map.of();
        private List<String> topics = List.of();
        private Watermarks watermarks = Watermarks.ofBatches(4, 500);
        private Duration pollTimeout = Duration.ofMillis(100);
        private Duration pausedPollTimeout = Duration.ofMillis(5);
        private Duration revokeTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private AssignmentHandler<R> assignmentHandler = partitions -> null;

        private Builder() {}

        /** Kafka consumer settings; bootstrap.servers and group.id are required. */
        public Builder<R> consumerConfig(Map<String, Object> config) {
            this.consumerConfig = Map.copyOf(Objects.requireNonNull(config, "consumerConfig"));
            return this;
        }

        /** Topics to subscribe to; for per-key state across topics they must be co-partitioned. */
        public Builder<R> topics(List<String> topics) {
            if (topics == null || topics.isEmpty()) throw new IllegalArgumentException("topics must not be empty");
            this.topics = List.copyOf(topics);
            return this;
        }

        /** Backpressure thresholds; default 4 batches of 500 records. */
        public Builder<R> watermarks(Watermarks watermarks) {
            this.watermarks = Objects.requireNonNull(watermarks, "watermarks");
            return this;
        }

        /** Longest poll while partitions are flowing; default 100 ms (a poll returns early on data). */
        public Builder<R> pollTimeout(Duration d) {
            this.pollTimeout = positive("pollTimeout", d);
            return this;
        }

        /** Poll timeout while paused, i.e. how soon a resume is noticed; default 5 ms. */
        public Builder<R> pausedPollTimeout(Duration d) {
            this.pausedPollTimeout = positive("pausedPollTimeout", d);
            return this;
        }

        /** How long a revocation waits for the batch being committed; default 10 s. */
        public Builder<R> revokeTimeout(Duration d) {
            this.revokeTimeout = positive("revokeTimeout", d);
            return this;
        }

        /** How long closing the consumer may take; default 5 s. */
        public Builder<R> closeTimeout(Duration d) {
            this.closeTimeout = positive("closeTimeout", d);
            return this;
        }

        /** Restores state for newly assigned partitions; default restores nothing (null). */
        public Builder<R> assignmentHandler(AssignmentHandler<R> handler) {
            this.assignmentHandler = Objects.requireNonNull(handler, "assignmentHandler");
            return this;
        }

        public KafkaSource<R> build() {
            if (topics.isEmpty()) throw new IllegalArgumentException("topics must be set");
            return new KafkaSource<>(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + d);
            }
            return d;
        }
    }
}
