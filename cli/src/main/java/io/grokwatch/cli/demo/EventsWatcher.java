package io.grokwatch.cli.demo;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows one run on grokwatch.events (read_committed, so only what the analyzer's transactions
 * committed) and hands each of its records to a callback on its own thread. Starts at the
 * topic's current end, so start it before the run publishes anything.
 */
public final class EventsWatcher implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final byte[] key;
    private final Consumer<Event> onEvent;
    private final Thread thread;
    private volatile boolean running = true;

    private EventsWatcher(Properties clientProperties, String run, Consumer<Event> onEvent) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.key = run.getBytes(StandardCharsets.UTF_8);
        this.onEvent = onEvent;
        this.thread = new Thread(this::loop, "grokwatch-demo-events");
        this.thread.setDaemon(true);
    }

    /** Positions at the end of grokwatch.events, then follows it in the background. */
    public static EventsWatcher start(
            Properties clientProperties, String run, Consumer<Event> onEvent, Duration timeout) {
        EventsWatcher w = new EventsWatcher(clientProperties, run, onEvent);
        try {
            List<TopicPartition> partitions = w.consumer.partitionsFor(Topics.EVENTS, timeout).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            w.consumer.assign(partitions);
            w.consumer.seekToEnd(partitions);
            for (TopicPartition tp : partitions)
                w.consumer.position(tp, timeout); // resolve the end now, before the run starts
        } catch (RuntimeException e) {
            w.consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw e;
        }
        w.thread.start();
        return w;
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !Arrays.equals(key, r.key())) continue;
                    try {
                        onEvent.accept(EventCodec.decode(r.value()));
                    } catch (InvalidEventException e) {
                        // not ours to judge: the analyzer wrote it; skip what this version cannot read
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
