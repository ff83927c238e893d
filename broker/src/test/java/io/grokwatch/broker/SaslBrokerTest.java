package io.grokwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker with SCRAM-SHA-512 over SASL_PLAINTEXT: its user gets in, anyone else is refused. */
class SaslBrokerTest {
    @TempDir
    Path data;

    @Test
    void itsUserProducesAndConsumesAndOthersAreRefusedAcrossARestart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder()
                .dataDir(data)
                .partitions(1)
                .sasl("grokwatch", "s3cret-pass")
                .build()
                .start()) {
            Properties client = kafka.clientProperties();
            assertThat(client.getProperty("security.protocol")).isEqualTo("SASL_PLAINTEXT");
            roundTrip(client, "first");

            Properties wrong = kafka.clientProperties();
            wrong.put("sasl.jaas.config", wrong.getProperty("sasl.jaas.config").replace("s3cret-pass", "guessed-pass"));
            assertThatThrownBy(() -> describe(wrong))
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                    .rootCause()
                    .hasMessageContaining("Authentication failed");

            Properties anonymous = new Properties();
            anonymous.put("bootstrap.servers", kafka.bootstrapServers()); // PLAINTEXT to a SASL listener
            // the listener drops a client that does not start with the SASL handshake: it never gets an answer
            assertThatThrownBy(() -> describe(anonymous))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);

            kafka.stop(); // the credential is in the metadata log: a restart on the same data keeps it
            kafka.start();
            roundTrip(kafka.clientProperties(), "second");
        }
    }

    @Test
    void aWeakOrMalformedCredentialIsRefusedAtOnce() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().sasl("grokwatch", "short"))
                .hasMessage("SASL password must have at least 8 characters and no ',' or ']'");
        assertThatThrownBy(() -> EmbeddedKafka.builder().sasl("a,b", "long-enough"))
                .hasMessageStartingWith("SASL user must be a non-empty name");
    }

    private static void describe(Properties p) throws Exception {
        Properties q = new Properties();
        q.putAll(p);
        q.put("request.timeout.ms", "3000");
        q.put("default.api.timeout.ms", "3000");
        try (Admin admin = Admin.create(q)) {
            admin.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
        }
    }

    private static void roundTrip(Properties client, String value) throws Exception {
        describe(client);
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(Topics.CONTROL, "k", value)).get(10, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(client, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.CONTROL, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean seen = false;
            while (!seen && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200)))
                    seen |= value.equals(
                            new String(r.value().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            }
            assertThat(seen).as("the record sent as " + value + " is read back").isTrue();
        }
    }
}
