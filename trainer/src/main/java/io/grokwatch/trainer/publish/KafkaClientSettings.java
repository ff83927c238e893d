package io.grokwatch.trainer.publish;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/** The checks of Kafka client settings that {@link RunPublisher} and {@link ControlListener} builders share. */
final class KafkaClientSettings {
    private KafkaClientSettings() {}

    /** A copy of {@code kafka}, so a builder does not see later changes of the caller's properties. */
    static Properties copy(Properties kafka) {
        Properties copy = new Properties();
        copy.putAll(Objects.requireNonNull(kafka, "kafkaProperties"));
        return copy;
    }

    /** The {@code bootstrap.servers} setting, which every client needs. */
    static String requireBootstrapServers(Properties kafka) {
        String servers = kafka.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("Kafka setting bootstrap.servers is required (e.g. 127.0.0.1:9092)");
        }
        return servers;
    }

    /** {@code d}, checked to be a positive duration; {@code field} names the builder setting. */
    static Duration positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(field + " must be > 0, got " + d);
        return d;
    }
}
