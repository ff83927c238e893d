package io.grokwatch.bridge;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A real broker, a bridge on an ephemeral port, and a producer of grokwatch records. */
final class BridgeFixture implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    final EmbeddedKafka kafka;
    final SettableClock clock = new SettableClock();
    final String groupId;
    private final Duration runTtl;
    /** The bridge under test; {@link #restartBridge()} replaces it. */
    MetricsBridge bridge;

    private final KafkaProducer<byte[], byte[]> producer;
    private final EventSerde.EventSerializer serializer = new EventSerde.EventSerializer();

    BridgeFixture(String groupId, Duration runTtl) {
        this.groupId = groupId;
        this.runTtl = runTtl;
        kafka = EmbeddedKafka.builder().build().start();
        try {
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
            bridge = startBridge();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    private MetricsBridge startBridge() {
        Properties bridgeProps = new Properties();
        bridgeProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // Commit often, so the bridge's own lag reaches 0 within the test's deadline.
        bridgeProps.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "100");
        return MetricsBridge.builder()
                .kafkaProperties(bridgeProps)
                .groupId(groupId)
                .port(0)
                .runTtl(runTtl)
                .lagInterval(Duration.ofMillis(200))
                .clock(clock)
                .build()
                .start();
    }

    /** Closes the bridge and starts a new one in the same group on the same broker, as a redeploy does. */
    void restartBridge() {
        bridge.close();
        bridge = startBridge();
    }

    void send(String topic, Event event) {
        producer.send(new ProducerRecord<>(topic, Topics.key(event), serializer.serialize(topic, event)));
    }

    void sendRaw(String topic, String key, String value) {
        producer.send(new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    void flush() {
        producer.flush();
    }

    /** Commits offset 0 on every partition of {@code topic} for {@code group}: its lag is the whole topic. */
    void commitFromStart(String group, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                offsets.put(new TopicPartition(topic, info.partition()), new OffsetAndMetadata(0));
            }
            c.assign(List.copyOf(offsets.keySet()));
            c.commitSync(offsets);
        }
    }

    Scrape scrape() throws Exception {
        return Scrape.of(bridge.metricsUrl());
    }

    /** Scrapes until {@code done} holds, failing with the last scrape after the deadline. */
    Scrape scrapeUntil(String what, Predicate<Scrape> done) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Scrape last = null;
        while (System.nanoTime() < deadline) {
            last = scrape();
            if (done.test(last)) return last;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + DEADLINE + " waiting for: " + what + "\nlast scrape:\n"
                + (last == null ? "none" : last.text()));
    }

    @Override
    public void close() {
        bridge.close();
        producer.close(Duration.ofSeconds(5));
        kafka.close();
    }
}
