package io.grokwatch.bridge;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's one consumer thread: poll → process each record → expire silent runs, until
 * {@link #stop()}. A KafkaConsumer is not thread-safe, so this thread is the only one that touches
 * it (besides {@link Consumer#wakeup()}, the one call documented as safe from other threads).
 */
final class PollLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    /** Bounds how long a TTL expiry waits when no records arrive. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(250);
    /** Pause after an unexpected consumer error before polling again, so errors do not spin. */
    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final RecordProcessor processor;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    // Read by the poll thread, written by the closing thread: volatile so the loop sees the stop.
    private volatile boolean stopping;

    /** How far back a start reads to restore the run views (the run TTL: views older than it expire anyway). */
    private Duration restoreWindow = Duration.ZERO;

    private java.time.Clock clock = java.time.Clock.systemUTC();

    /** Before consuming, rebuild the run views from the records of the last {@code window}; ZERO: none. */
    PollLoop restoreWindow(Duration window, java.time.Clock clock) {
        this.restoreWindow = window;
        this.clock = clock;
        return this;
    }

    PollLoop(Consumer<byte[], byte[]> consumer, List<String> topics, RecordProcessor processor) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.processor = processor;
    }

    @Override
    public void run() {
        try {
            if (!restoreWindow.isZero()) restoreRunViews();
            consumer.subscribe(topics);
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
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                processor.process(record);
            }
            processor.flush();
            processor.expireSilentRuns();
        } catch (WakeupException e) {
            if (!stopping) log.debug("consumer woken up without a stop; polling on");
        } catch (RuntimeException e) {
            // A broker outage, a failed rebalance, an authorization error: keep the thread alive and
            // retry. A dead poll thread would leave the bridge serving frozen values as if they were live.
            log.warn("poll failed, retrying in {} ms: {}", ERROR_BACKOFF.toMillis(), e.toString());
            awaitStop(ERROR_BACKOFF);
        }
    }

    /** The longest a restore may take before the bridge goes on with what it has restored. */
    private static final Duration RESTORE_LIMIT = Duration.ofSeconds(60);

    /**
     * A restarted bridge would show only the runs that send again, and a finished run not at all until its TTL. So
     * before joining its group it reads, on each partition with committed offsets, the records from {@code
     * restoreWindow} ago up to the committed offset, into the run views only: no counter counts them again (they
     * were counted before the restart, and Prometheus sees the restart as a counter reset). Partitions without
     * committed offsets are read from the start by the group anyway.
     */
    private void restoreRunViews() {
        long start = System.nanoTime();
        long restored = 0;
        try {
            List<org.apache.kafka.common.TopicPartition> tps = new java.util.ArrayList<>();
            for (String t : topics) {
                for (var pi : consumer.partitionsFor(t, Duration.ofSeconds(10)))
                    tps.add(new org.apache.kafka.common.TopicPartition(t, pi.partition()));
            }
            var committed = consumer.committed(new java.util.HashSet<>(tps), Duration.ofSeconds(10));
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> since = new java.util.HashMap<>();
            long from = clock.millis() - restoreWindow.toMillis();
            for (var tp : tps)
                if (committed.get(tp) != null && committed.get(tp).offset() > 0) since.put(tp, from);
            if (since.isEmpty()) return;
            var starts = consumer.offsetsForTimes(since, Duration.ofSeconds(10));
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> until = new java.util.HashMap<>();
            starts.forEach((tp, at) -> {
                if (at != null && at.offset() < committed.get(tp).offset())
                    until.put(tp, committed.get(tp).offset());
            });
            if (until.isEmpty()) return;
            consumer.assign(until.keySet());
            until.keySet().forEach(tp -> consumer.seek(tp, starts.get(tp).offset()));
            long deadline = start + RESTORE_LIMIT.toNanos();
            while (!until.isEmpty() && !stopping) {
                if (System.nanoTime() > deadline) {
                    log.warn(
                            "restoring run views took over {} s; going on with what is restored",
                            RESTORE_LIMIT.toSeconds());
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
                    var tp = new org.apache.kafka.common.TopicPartition(r.topic(), r.partition());
                    Long end = until.get(tp);
                    if (end == null || r.offset() >= end) continue;
                    processor.restore(r);
                    restored++;
                }
                until.keySet().removeIf(tp -> consumer.position(tp) >= until.get(tp));
                consumer.pause(java.util.Set.copyOf(consumer.assignment().stream()
                        .filter(tp -> !until.containsKey(tp))
                        .toList()));
            }
            processor.flush();
        } catch (RuntimeException e) {
            // a broker that is down: the loop below waits for it, and the views fill as records come
            log.warn("could not restore the run views from the last {}: {}", restoreWindow, e.toString());
        } finally {
            consumer.unsubscribe();
        }
        log.info("restored run views from {} records in {} ms", restored, (System.nanoTime() - start) / 1_000_000);
    }

    /** Asks the loop to end and waits until the consumer is closed. */
    void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        stopRequested.countDown();
        consumer.wakeup();
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("poll thread did not stop within {} ms", timeout.toMillis());
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
