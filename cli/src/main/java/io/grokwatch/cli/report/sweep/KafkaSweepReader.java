package io.grokwatch.cli.report.sweep;

import io.grokwatch.cli.report.KafkaTopicScan;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Reads one sweep's records from Kafka in two bounded passes from the beginning (read_committed, end offsets
 * taken at the start of each): grokwatch.runs and grokwatch.jobs to learn which runs belong to the sweep, then
 * grokwatch.metrics and grokwatch.embeddings, decoding only those runs' records ({@link KafkaTopicScan}).
 *
 * <pre>{@code
 * SweepRecords r = KafkaSweepReader.builder().clientProperties(props).sweep("sw-1").progress(err).build().read();
 * }</pre>
 */
public final class KafkaSweepReader {

    private final Properties clientProperties;
    private final String sweep;
    private final Duration timeout;
    private final PrintWriter progress;

    private KafkaSweepReader(Builder b) {
        this.clientProperties = b.clientProperties;
        this.sweep = b.sweep;
        this.timeout = b.timeout;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the sweep.
     *
     * @throws UnknownSweepException when no run_started or job names the sweep
     * @throws TimeoutException when reading takes longer than the timeout
     */
    public SweepRecords read() throws TimeoutException {
        SweepRecords.Collector collector = new SweepRecords.Collector(sweep);
        try (KafkaTopicScan scan = new KafkaTopicScan(clientProperties, timeout, "sweep '" + sweep + "'")) {
            scan.progress(progress);
            // The jobs topic is optional: a cluster set up before sweeps existed has runs but no jobs.
            long membership = scan.pass(
                            List.of(Topics.RUNS), List.of(Topics.JOBS), "runs", k -> true, collector::addMembership)
                    .records();
            if (!collector.found()) throw new UnknownSweepException(sweep, collector.sweepsSeen(), membership);
            Set<String> members = collector.memberIds();
            say("sweep '" + sweep + "': " + members.size() + " runs; reading their steps and snapshots");
            scan.pass(
                    List.of(Topics.METRICS, Topics.EMBEDDINGS),
                    List.of(),
                    "steps and snapshots",
                    members::contains,
                    collector::addData);
        }
        return collector.build();
    }

    private void say(String line) {
        if (progress == null) return;
        progress.println(line);
        progress.flush();
    }

    /** No record on Kafka names the sweep; the message names it and the sweeps that are there. */
    public static final class UnknownSweepException extends IllegalArgumentException {
        private final List<String> known;

        UnknownSweepException(String sweep, List<String> known, long recordsRead) {
            super("Kafka holds no runs or jobs of sweep '" + sweep + "' (" + describe(known) + " in " + recordsRead
                    + " records on " + Topics.RUNS + " and " + Topics.JOBS + "); check the sweep id");
            this.known = List.copyOf(known);
        }

        /** The sweep ids that are on Kafka, sorted. */
        public List<String> known() {
            return known;
        }

        private static String describe(List<String> known) {
            if (known.isEmpty()) return "there are no sweeps";
            if (known.size() == 1) return "there is 1 sweep: " + known.get(0);
            int shown = Math.min(known.size(), 5);
            return "there are " + known.size() + " sweeps"
                    + (known.size() > shown ? ", the last " + shown + " by id" : "") + ": "
                    + String.join(", ", known.subList(known.size() - shown, known.size()));
        }
    }

    /** Configures a {@link KafkaSweepReader}. */
    public static final class Builder {
        private Properties clientProperties = new Properties();
        private String sweep;
        private Duration timeout = Duration.ofMinutes(5);
        private PrintWriter progress;

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

        /** The sweep id to read. */
        public Builder sweep(String sweep) {
            this.sweep = sweep;
            return this;
        }

        /** How long reading may take at most; 5 minutes by default. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Where progress lines go during long reads (every 2 s); none by default. */
        public Builder progress(PrintWriter progress) {
            this.progress = progress;
            return this;
        }

        public KafkaSweepReader build() {
            if (sweep == null || sweep.isEmpty())
                throw new IllegalArgumentException("sweep must be a non-empty sweep id, got '" + sweep + "'");
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            }
            if (!clientProperties.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException("bootstrap.servers is missing from the Kafka client properties");
            }
            return new KafkaSweepReader(this);
        }
    }
}
