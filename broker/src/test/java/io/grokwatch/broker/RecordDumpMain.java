package io.grokwatch.broker;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Run in a child JVM by the broker tests: reads a topic from the beginning and prints one line
 * per record, {@code partition offset key value}, until it has read the expected count.
 *
 * <p>Usage: {@code RecordDumpMain BOOTSTRAP TOPIC EXPECTED_COUNT TIMEOUT_MS}. Exit 0 when the
 * count was reached, 3 on timeout.
 */
public final class RecordDumpMain {
    private RecordDumpMain() {}

    public static void main(String[] args) {
        String bootstrap = args[0];
        String topic = args[1];
        int expected = Integer.parseInt(args[2]);
        long deadline =
                System.nanoTime() + Duration.ofMillis(Long.parseLong(args[3])).toNanos();

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");

        int read = 0;
        StringBuilder out = new StringBuilder();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(20)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (read < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.append(r.partition())
                            .append(' ')
                            .append(r.offset())
                            .append(' ')
                            .append(r.key())
                            .append(' ')
                            .append(r.value())
                            .append('\n');
                    read++;
                }
            }
        }
        System.out.print(out);
        System.out.flush();
        if (read < expected) {
            System.err.println("read " + read + " of " + expected + " records before the timeout");
            System.exit(3);
        }
    }
}
