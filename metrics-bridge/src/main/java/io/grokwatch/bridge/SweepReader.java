package io.grokwatch.bridge;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Job;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's second consumer thread: reads jobs, runs, events and control from the beginning at
 * every start, without a consumer group, into a {@link SweepTable}, and writes the per-sweep metrics.
 *
 * <p>Why from the beginning: a sweep's counts are over all its runs, most of which finished before a
 * restarted bridge's committed offsets, so resuming from them (as the per-run metrics do) would lose
 * them. Why a consumer of its own: the main one's group offsets and counters stay as they were. The
 * sweep series are held back until the reader has reached the end offsets it found at start, so a
 * restarted bridge never shows a half-read sweep (all queued, because the jobs came first).
 *
 * <p>It counts consumed and malformed records of grokwatch.jobs only: the main consumer counts those
 * of runs and events, and control is left uncounted so that a bridge fed no jobs exports exactly the
 * series it did before sweeps existed.
 */
final class SweepReader implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SweepReader.class);
    /** The topics read; jobs and control are read by this thread alone. */
    static final List<String> TOPICS = List.of(Topics.JOBS, Topics.RUNS, Topics.EVENTS, Topics.CONTROL);
    /** How often topics that had no partitions (not created yet) are looked up again. */
    static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);

    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final SweepTable table = new SweepTable();
    private final SweepMetrics sweepMetrics;
    private final BridgeMetrics metrics;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    private final Set<TopicPartition> assigned = new HashSet<>();
    /** End offsets found when each partition was assigned; empty once all were reached. */
    private final Map<TopicPartition, Long> catchUpTo = new HashMap<>();

    private boolean caughtUp;
    /** System.nanoTime() of the last partition lookup; only meaningful once {@code lookedUp}. */
    private long partitionsLookedUpAt;

    private boolean lookedUp;

    SweepReader(Consumer<byte[], byte[]> consumer, SweepMetrics sweepMetrics, BridgeMetrics metrics) {
        this.consumer = consumer;
        this.sweepMetrics = sweepMetrics;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                pollOnce();
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    private void pollOnce() {
        try {
            assignNewPartitions();
            if (assigned.isEmpty()) {
                awaitStop(PollLoop.POLL_TIMEOUT);
                return;
            }
            Set<String> changed = new LinkedHashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(PollLoop.POLL_TIMEOUT)) {
                String sweep = process(record);
                if (sweep != null) changed.add(sweep);
            }
            if (!caughtUp) {
                catchUpTo.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                if (!catchUpTo.isEmpty()) return;
                caughtUp = true;
                changed.addAll(table.sweepIds());
                log.info("sweep state read up to the end of {}: {} sweeps", TOPICS, changed.size());
            }
            for (String sweep : changed) sweepMetrics.show(table.view(sweep));
        } catch (WakeupException e) {
            if (!stopping) log.debug("sweep reader woken up without a stop; polling on");
        } catch (RuntimeException e) {
            log.warn("sweep reader poll failed, retrying in {} ms: {}", ERROR_BACKOFF.toMillis(), e.toString());
            awaitStop(ERROR_BACKOFF);
        }
    }

    /**
     * Assigns the partitions of {@link #TOPICS} not assigned yet, from their beginning. Looked up
     * again every {@link #PARTITION_REFRESH} while some topic has none, so a topic created after the
     * bridge started is read too.
     */
    private void assignNewPartitions() {
        long now = System.nanoTime();
        boolean allTopicsFound =
                assigned.stream().map(TopicPartition::topic).distinct().count() == TOPICS.size();
        if (allTopicsFound || (lookedUp && now - partitionsLookedUpAt < PARTITION_REFRESH.toNanos())) return;
        lookedUp = true;
        partitionsLookedUpAt = now;
        List<TopicPartition> fresh = new ArrayList<>();
        for (String topic : TOPICS) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null) continue;
            for (PartitionInfo p : infos) {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                if (!assigned.contains(tp)) fresh.add(tp);
            }
        }
        if (fresh.isEmpty()) return;
        assigned.addAll(fresh);
        consumer.assign(List.copyOf(assigned));
        consumer.seekToBeginning(fresh);
        if (!caughtUp) catchUpTo.putAll(consumer.endOffsets(fresh));
    }

    /** Decodes and applies one record; returns the sweep it changed, or null. Never throws for a bad record. */
    private String process(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        boolean jobs = Topics.JOBS.equals(topic);
        if (jobs) metrics.countConsumed(topic);
        try {
            if (record.value() == null) throw new IllegalArgumentException("record has no value");
            Event event = EventCodec.decode(record.value());
            if (jobs && !(event instanceof Job)) {
                throw new IllegalArgumentException("a " + event.getClass().getSimpleName() + " is not a job");
            }
            if (Topics.CONTROL.equals(topic) && !(event instanceof ControlCommand)) {
                throw new IllegalArgumentException(
                        "a " + event.getClass().getSimpleName() + " is not a control command");
            }
            return table.apply(event);
        } catch (RuntimeException e) {
            // Bad records of runs and events are the main consumer's to count; here they cost only themselves.
            if (jobs) {
                metrics.countMalformed(topic);
                log.warn(
                        "skipping malformed record {}-{}@{}: {}",
                        topic,
                        record.partition(),
                        record.offset(),
                        e.getMessage());
            } else {
                log.debug(
                        "sweep reader skipping {}-{}@{}: {}", topic, record.partition(), record.offset(), e.toString());
            }
            return null;
        }
    }

    /** Asks the loop to end and waits until the consumer is closed. */
    void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        stopRequested.countDown();
        consumer.wakeup();
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("sweep reader did not stop within {} ms", timeout.toMillis());
        }
    }

    private void awaitStop(Duration d) {
        try {
            stopRequested.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
