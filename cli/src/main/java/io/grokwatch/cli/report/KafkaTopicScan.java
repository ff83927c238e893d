package io.grokwatch.cli.report;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
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
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics back from the beginning to their end offsets as taken at the start of each pass (read_committed),
 * decoding each record whose key passes a filter and handing it on; the shared core of the report, sweep and
 * policies readers. Assigns partitions directly, so it joins no consumer group and commits nothing. One deadline
 * covers every pass. Not thread-safe.
 *
 * <pre>{@code
 * try (KafkaTopicScan scan = new KafkaTopicScan(props, Duration.ofSeconds(60), "run 'r1'")) {
 *     scan.pass(List.of(Topics.METRICS), List.of(), "steps", "r1"::equals, collector::add);
 * }
 * }</pre>
 */
public final class KafkaTopicScan implements AutoCloseable {

    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Duration timeout;
    private final long deadline;
    private final String subject;
    private PrintWriter progress;

    /**
     * @param clientProperties Kafka client properties, {@code bootstrap.servers} required; a group id is dropped
     * @param timeout how long every pass together may take
     * @param subject what is read, for messages, e.g. {@code sweep 'sw-1'}
     */
    public KafkaTopicScan(Properties clientProperties, Duration timeout, String subject) {
        if (!clientProperties.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("bootstrap.servers is missing from the Kafka client properties");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
        }
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.subject = subject;
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Where a progress line goes every 2 s during a pass; none by default. */
    public KafkaTopicScan progress(PrintWriter progress) {
        this.progress = progress;
        return this;
    }

    /**
     * The topics on the cluster, asked within {@code within} (capped by the deadline): the first call that must
     * reach a broker, so a broker that is down fails here, quickly, rather than after the whole timeout.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when no broker answers in time
     */
    public Set<String> topics(Duration within) {
        Duration d = within.compareTo(remainingTime()) < 0 ? within : remainingTime();
        return new TreeSet<>(consumer.listTopics(d).keySet());
    }

    /** What one pass read: every record up to the end offsets, and how many of the kept ones did not decode. */
    public record Pass(long records, long undecodable) {}

    /**
     * Reads the topics to their end offsets as of now; records with a null key or a key that {@code keys} rejects
     * are skipped undecoded, records that do not decode are counted and left out (the analyzer sends them to the
     * DLQ).
     *
     * @param required topics that must exist
     * @param optional topics read when they exist
     * @param what the records read, for progress and the timeout message, e.g. {@code steps}
     * @throws IllegalArgumentException when a required topic does not exist
     * @throws TimeoutException when the deadline passes before the end offsets are reached
     */
    public Pass pass(
            List<String> required, List<String> optional, String what, Predicate<String> keys, Consumer<Event> sink)
            throws TimeoutException {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : required) partitions.addAll(partitions(t, true));
        for (String t : optional) partitions.addAll(partitions(t, false));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remainingTime());
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, remainingTime());
        long total = 0;
        for (TopicPartition p : partitions) total += end.get(p) - begin.get(p);
        Map<TopicPartition, Long> remaining = new HashMap<>(end);
        long read = 0;
        long undecodable = 0;
        long nextReport = System.nanoTime() + PROGRESS_EVERY_NANOS;
        while (!caughtUp(remaining)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("reading " + subject + " from Kafka took longer than " + timeout + "; read "
                        + read + " of " + total + " records of " + what + " (raise --timeout)");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                read++;
                if (r.key() == null || !keys.test(new String(r.key(), StandardCharsets.UTF_8))) continue;
                try {
                    sink.accept(EventCodec.decode(r.value()));
                } catch (InvalidEventException e) {
                    undecodable++;
                }
            }
            if (progress != null && System.nanoTime() > nextReport) {
                progress.println(String.format(
                        Locale.ROOT,
                        "read %,d of %,d records of %s (%.0f%%)",
                        read,
                        total,
                        what,
                        100.0 * read / Math.max(1, total)));
                progress.flush();
                nextReport = System.nanoTime() + PROGRESS_EVERY_NANOS;
            }
        }
        return new Pass(read, undecodable);
    }

    private List<TopicPartition> partitions(String topic, boolean required) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, remainingTime());
        if (infos == null || infos.isEmpty()) {
            if (!required) return List.of();
            throw new IllegalArgumentException(
                    "topic " + topic + " does not exist on the cluster; is this grokwatch's Kafka?");
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) out.add(new TopicPartition(p.topic(), p.partition()));
        return out;
    }

    private boolean caughtUp(Map<TopicPartition, Long> remaining) {
        remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        return remaining.isEmpty();
    }

    private Duration remainingTime() {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }

    @Override
    public void close() {
        consumer.close();
    }
}
