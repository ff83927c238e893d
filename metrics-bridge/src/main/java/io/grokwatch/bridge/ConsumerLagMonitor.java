package io.grokwatch.bridge;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures how far the watched consumer groups are behind the end of their topics and exports it
 * as {@code grokwatch_consumer_lag_records{group, topic}}: for each partition the group has
 * committed, the read_committed end offset minus the committed offset, summed per topic.
 *
 * <p>{@link #refresh()} is called from one scheduler thread only; it shares nothing with the poll
 * thread but the (thread-safe) metrics.
 */
final class ConsumerLagMonitor {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLagMonitor.class);

    /** Lag identity: one series per group and topic. */
    record GroupTopic(String group, String topic) {}

    private final Admin admin;
    private final List<String> groups;
    private final BridgeMetrics metrics;
    private final Duration timeout;
    private Set<GroupTopic> exported = Set.of();
    private boolean failing;

    ConsumerLagMonitor(Admin admin, List<String> groups, BridgeMetrics metrics, Duration timeout) {
        this.admin = admin;
        this.groups = List.copyOf(groups);
        this.metrics = metrics;
        this.timeout = timeout;
    }

    /**
     * Reads the groups' committed offsets and the topics' end offsets, and updates the lag series.
     * On failure the series are removed: an unknown lag must not look like a small one.
     */
    void refresh() {
        try {
            Map<GroupTopic, Long> lag = measure();
            lag.forEach((key, records) -> metrics.setConsumerLag(key.group(), key.topic(), records));
            forgetAllBut(lag.keySet());
            metrics.setKafkaReachable(true);
            if (failing) log.info("Kafka answers again: consumer lag available again");
            failing = false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            forgetAllBut(Set.of());
            metrics.setKafkaReachable(false);
            if (!failing) log.warn("cannot read consumer lag (series removed until it can): {}", why(e));
            failing = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String why(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        // both timeouts (the future's and the admin client's) say nothing of their own
        if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "Kafka did not answer within " + timeout.toSeconds()
                    + " s (grokwatch_bridge_kafka_reachable is 0 until it does)";
        }
        return cause.toString();
    }

    private Map<GroupTopic, Long> measure() throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        Set<TopicPartition> partitions = new HashSet<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            committed.put(group, offsets);
            partitions.addAll(offsets.keySet());
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        // read_committed: the end a read_committed consumer can reach (the last stable offset), so
        // open transactions do not show up as lag the group could not consume anyway.
        Map<TopicPartition, ListOffsetsResultInfo> ends = latest.isEmpty()
                ? Map.of()
                : admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                        .all()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);

        Map<GroupTopic, Long> lag = new HashMap<>();
        committed.forEach((group, offsets) -> offsets.forEach((tp, offset) -> {
            ListOffsetsResultInfo end = ends.get(tp);
            if (offset == null || end == null) return; // no commit on this partition yet
            lag.merge(new GroupTopic(group, tp.topic()), Math.max(0, end.offset() - offset.offset()), Long::sum);
        }));
        return lag;
    }

    private void forgetAllBut(Set<GroupTopic> keep) {
        for (GroupTopic old : exported) {
            if (!keep.contains(old)) metrics.removeConsumerLag(old.group(), old.topic());
        }
        exported = Set.copyOf(keep);
    }
}
