package io.grokwatch.cli.report;

import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one run's records from Kafka: grokwatch.runs, .metrics and .embeddings from the beginning
 * up to their current ends (read_committed), keeping the records keyed by the run. Assigns
 * partitions directly, so it joins no consumer group and commits nothing.
 *
 * <pre>{@code
 * RunRecords r = KafkaRunReader.builder().clientProperties(props).run("run-1").build().read();
 * }</pre>
 */
public final class KafkaRunReader {

    /** The topics a report reads; transitions and alerts are recomputed, so grokwatch.events is not needed. */
    static final List<String> TOPICS = List.of(Topics.RUNS, Topics.METRICS, Topics.EMBEDDINGS);

    private final Properties clientProperties;
    private final String run;
    private final Duration timeout;

    private KafkaRunReader(Builder b) {
        this.clientProperties = b.clientProperties;
        this.run = b.run;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads until every partition's end offset (as of the start) is reached.
     *
     * @throws TimeoutException when that takes longer than the timeout
     * @throws IllegalArgumentException when the topics hold no step record of the run
     */
    public RunRecords read() throws TimeoutException {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] key = run.getBytes(StandardCharsets.UTF_8);
        RunRecords.Collector collector = RunRecords.collector(run);
        int skipped = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> remaining =
                    new HashMap<>(consumer.endOffsets(partitions, remainingTime(deadline)));
            while (!caughtUp(consumer, remaining)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading run '" + run + "' from Kafka took longer than " + timeout
                            + "; still behind on " + remaining.keySet() + " (raise --timeout)");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !Arrays.equals(key, r.key())) continue;
                    try {
                        collector.add(EventCodec.decode(r.value()));
                    } catch (InvalidEventException e) {
                        skipped++; // the analyzer routes these to the DLQ; a report just leaves them out
                    }
                }
            }
        }
        if (collector.stepCount() == 0) {
            throw new IllegalArgumentException("Kafka holds no step records of run '" + run + "' on " + Topics.METRICS
                    + (skipped > 0 ? " (" + skipped + " undecodable records skipped)" : "")
                    + "; check the run id (grokwatch.runs lists the runs)");
        }
        return collector.build();
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : TOPICS) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException(
                        "topic " + topic + " does not exist on the cluster; is this grokwatch's Kafka?");
            }
            for (PartitionInfo p : infos) out.add(new TopicPartition(p.topic(), p.partition()));
        }
        return out;
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> remaining) {
        remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        return remaining.isEmpty();
    }

    private static Duration remainingTime(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }

    /** Configures a {@link KafkaRunReader}. */
    public static final class Builder {
        private Properties clientProperties = new Properties();
        private String run;
        private Duration timeout = Duration.ofSeconds(30);

        private Builder() {}

        /** Kafka client properties; {@code bootstrap.servers} is required. */
        public Builder clientProperties(Properties p) {
            this.clientProperties = new Properties();
            this.clientProperties.putAll(p);
            return this;
        }

        /** Shorthand for {@code bootstrap.servers}. */
        public Builder bootstrapServers(String servers) {
            clientProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            return this;
        }

        /** The run to read (its Kafka key). */
        public Builder run(String run) {
            this.run = run;
            return this;
        }

        /** How long reading may take at most; 30 s by default. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public KafkaRunReader build() {
            if (run == null || run.isEmpty())
                throw new IllegalArgumentException("run must be a non-empty run id, got '" + run + "'");
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            }
            if (!clientProperties.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException("bootstrap.servers is missing from the Kafka client properties");
            }
            return new KafkaRunReader(this);
        }
    }
}
