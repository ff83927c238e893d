package io.grokwatch.cli.report;

import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Reads one run's records from Kafka: grokwatch.runs, .metrics and .embeddings from the beginning
 * up to their current ends ({@link KafkaTopicScan}), keeping the records keyed by the run.
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
        RunRecords.Collector collector = RunRecords.collector(run);
        KafkaTopicScan.Pass pass;
        try (KafkaTopicScan scan = new KafkaTopicScan(clientProperties, timeout, "run '" + run + "'")) {
            pass = scan.pass(TOPICS, List.of(), "the run", run::equals, collector::add);
        }
        if (collector.stepCount() == 0) {
            throw new IllegalArgumentException("Kafka holds no step records of run '" + run + "' on " + Topics.METRICS
                    + (pass.undecodable() > 0 ? " (" + pass.undecodable() + " undecodable records skipped)" : "")
                    + "; check the run id (grokwatch.runs lists the runs)");
        }
        return collector.build();
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
