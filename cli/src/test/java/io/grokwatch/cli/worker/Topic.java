package io.grokwatch.cli.worker;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test access to one broker's topics: raw sends and reads from the beginning. */
final class Topic {
    private final String servers;

    Topic(String servers) {
        this.servers = servers;
    }

    Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        return p;
    }

    /** Sends records as they are (null value = a tombstone), waiting for each. */
    void send(String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", servers, "acks", "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    void send(Event e) throws Exception {
        send(io.grokwatch.events.EventType.of(e).topic(), e.run(), EventCodec.encode(e));
    }

    /** Every decodable record of {@code topic} whose key passes {@code keys}, read until {@code enough} or the wait. */
    List<Event> read(String topic, Predicate<String> keys, Predicate<List<Event>> enough, Duration wait) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + wait.toNanos();
            while (!enough.test(out) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (r.key() != null && keys.test(r.key())) out.add(EventCodec.decode(r.value()));
                }
            }
            return out;
        }
    }

    /** Everything on {@code topic} now: reads to the end offsets as of the call. */
    List<Event> readAll(String topic, Predicate<String> keys) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (r.key() != null && keys.test(r.key())) out.add(EventCodec.decode(r.value()));
                }
            }
            return out;
        }
    }

    /** Commits {@code group}'s offsets of {@code topic} at its end now. */
    void commitEnd(String topic, String group) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers, "group.id", group, "enable.auto.commit", "false"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> at = new java.util.HashMap<>();
            c.endOffsets(tps)
                    .forEach((tp, end) -> at.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(end)));
            c.commitSync(at);
        }
    }
}
