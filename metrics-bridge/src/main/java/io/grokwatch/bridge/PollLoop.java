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

    PollLoop(Consumer<byte[], byte[]> consumer, List<String> topics, RecordProcessor processor) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.processor = processor;
    }

    @Override
    public void run() {
        try {
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
