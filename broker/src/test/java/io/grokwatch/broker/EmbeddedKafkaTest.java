package io.grokwatch.broker;

import static io.grokwatch.broker.EmbeddedKafkaDurabilityTest.assertPortFree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One shared broker for the checks that do not restart it; lifecycle checks use their own. */
class EmbeddedKafkaTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().partitions(2).build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void createsEveryGrokwatchTopicWithTheConfiguredPartitionCount() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(Topics.ALL).allTopicNames().get();
            assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
            assertThat(topics.values())
                    .allSatisfy(d -> assertThat(d.partitions())
                            .as(d.name())
                            .hasSize(d.name().equals(Topics.JOBS) ? Topics.JOBS_PARTITIONS : 2));
        }
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
    }

    @Test
    void readCommittedConsumersSeeCommittedTransactionsOnly() throws Exception {
        String topic = "tx-test";
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps(kafka.bootstrapServers(), "tx-test-producer"))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "run-a", "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "run-a", "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "run-a", "last"));
            producer.commitTransaction();
        }

        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps(kafka.bootstrapServers(), "tx-test-group"))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!seen.contains("last") && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
            }
            // Group offsets land in __consumer_offsets, which needs replication factor 1 here.
            consumer.commitSync(Duration.ofSeconds(20));
            Map<TopicPartition, OffsetAndMetadata> committed =
                    consumer.committed(consumer.assignment(), Duration.ofSeconds(20));
            assertThat(committed.values())
                    .anySatisfy(o -> assertThat(o.offset()).isPositive());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("committed-" + i);
        }
        expected.add("last");
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void stopFreesThePortsAndStartReusesThemWithTheData() throws Exception {
        int givenPort = FreePorts.pick("127.0.0.1");
        Path dataDir;
        try (EmbeddedKafka own = EmbeddedKafka.builder().port(givenPort).build()) {
            own.start();
            dataDir = own.dataDir();
            assertThat(own.bootstrapServers()).isEqualTo("127.0.0.1:" + givenPort);
            assertThat(own.isRunning()).isTrue();
            assertThatThrownBy(own::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("EmbeddedKafka is already running at 127.0.0.1:" + givenPort);
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(producerProps(own.bootstrapServers(), null))) {
                producer.send(new ProducerRecord<>(Topics.CONTROL, "run-b", "kept"))
                        .get();
            }
            int controllerPort = own.controllerPort();

            own.stop();
            assertThat(own.isRunning()).isFalse();
            assertPortFree(givenPort);
            assertPortFree(controllerPort);
            assertThat(dataDir).as("stop keeps the temporary data dir").isDirectory();

            own.start();
            assertThat(own.port()).isEqualTo(givenPort);
            assertThat(readAll(own.bootstrapServers(), Topics.CONTROL)).containsExactly("kept");
        }
        assertThat(Files.exists(dataDir))
                .as("close deletes the temporary data dir")
                .isFalse();
    }

    @Test
    void builderRejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().partitions(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partitions must be >= 1, was 0");
        assertThatThrownBy(() -> EmbeddedKafka.builder().port(70000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be in 0..65535, was 70000");
        assertThatThrownBy(() -> EmbeddedKafka.builder().build().bootstrapServers())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("EmbeddedKafka has no port yet: call start() first");
    }

    @Test
    void aPortInUseFailsWithAMessageNamingIt() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try (EmbeddedKafka clash = EmbeddedKafka.builder().port(port).build()) {
                assertThatThrownBy(clash::start)
                        .isInstanceOf(EmbeddedKafkaException.class)
                        .hasMessage("port " + port + " on 127.0.0.1 is in use: stop what listens there or choose"
                                + " another port (0 picks a free one)");
                assertThat(clash.isRunning()).isFalse();
            }
        }
    }

    private static List<String> readAll(String bootstrap, String topic) {
        List<String> values = new ArrayList<>();
        Properties props = consumerProps(bootstrap, null);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(20)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(20));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private static Properties producerProps(String bootstrap, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return p;
    }

    private static Properties consumerProps(String bootstrap, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return p;
    }
}
