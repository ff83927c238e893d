package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one sweep's records from Kafka in two bounded passes from the beginning (read_committed, end offsets
 * taken at the start of each): grokwatch.runs and grokwatch.jobs to learn which runs belong to the sweep, then
 * grokwatch.metrics and grokwatch.embeddings, decoding only those runs' records. Assigns partitions directly, so
 * it joins no consumer group and commits nothing.
 *
 * <pre>{@code
 * SweepRecords r = KafkaSweepReader.builder().clientProperties(props).sweep("sw-1").progress(err).build().read();
 * }</pre>
 */
public final class KafkaSweepReader {

    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

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
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        long deadline = System.nanoTime() + timeout.toNanos();
        SweepRecords.Collector collector = new SweepRecords.Collector(sweep);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // The jobs topic is optional: a cluster set up before sweeps existed has runs but no jobs.
            long membership = readTopics(
                    consumer,
                    List.of(Topics.RUNS),
                    List.of(Topics.JOBS),
                    deadline,
                    "runs",
                    null,
                    collector::addMembership);
            if (!collector.found()) throw new UnknownSweepException(sweep, collector.sweepsSeen(), membership);
            Set<String> members = collector.memberIds();
            say("sweep '" + sweep + "': " + members.size() + " runs; reading their steps and snapshots");
            readTopics(
                    consumer,
                    List.of(Topics.METRICS, Topics.EMBEDDINGS),
                    List.of(),
                    deadline,
                    "steps and snapshots",
                    members,
                    collector::addData);
        }
        return collector.build();
    }

    /** Reads the topics to their end offsets as of now, handing on decoded records; returns how many were read. */
    private long readTopics(
            KafkaConsumer<byte[], byte[]> consumer,
            List<String> required,
            List<String> optional,
            long deadline,
            String what,
            Set<String> keys,
            Consumer<Event> sink)
            throws TimeoutException {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : required) partitions.addAll(partitions(consumer, t, true));
        for (String t : optional) partitions.addAll(partitions(consumer, t, false));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remainingTime(deadline));
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, remainingTime(deadline));
        long total = 0;
        for (TopicPartition p : partitions) total += end.get(p) - begin.get(p);
        Map<TopicPartition, Long> remaining = new HashMap<>(end);
        long read = 0;
        long nextReport = System.nanoTime() + PROGRESS_EVERY_NANOS;
        while (!caughtUp(consumer, remaining)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("reading sweep '" + sweep + "' from Kafka took longer than " + timeout
                        + "; read " + read + " of " + total + " records of " + what + " (raise --timeout)");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                read++;
                if (r.key() == null) continue;
                if (keys != null && !keys.contains(new String(r.key(), StandardCharsets.UTF_8))) continue;
                try {
                    sink.accept(EventCodec.decode(r.value()));
                } catch (InvalidEventException e) {
                    // the analyzer routes these to the DLQ; a report leaves them out
                }
            }
            if (System.nanoTime() > nextReport) {
                say(String.format(
                        Locale.ROOT,
                        "read %,d of %,d records of %s (%.0f%%)",
                        read,
                        total,
                        what,
                        100.0 * read / Math.max(1, total)));
                nextReport = System.nanoTime() + PROGRESS_EVERY_NANOS;
            }
        }
        return read;
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic, boolean required) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            if (!required) return List.of();
            throw new IllegalArgumentException(
                    "topic " + topic + " does not exist on the cluster; is this grokwatch's Kafka?");
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) out.add(new TopicPartition(p.topic(), p.partition()));
        return out;
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> remaining) {
        remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        return remaining.isEmpty();
    }

    private static Duration remainingTime(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
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
