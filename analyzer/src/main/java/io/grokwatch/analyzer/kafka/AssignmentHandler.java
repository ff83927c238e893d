package io.grokwatch.analyzer.kafka;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Restores what a consumer needs for partitions it was just given (e.g. per-run state from a
 * changelog). Runs on the {@link KafkaSource}'s poll thread after the partitions were rewound to
 * their committed offsets, so it may block; it must finish within {@code max.poll.interval.ms}.
 *
 * @param <R> what it restores; delivered downstream in {@link SourceSignal.Assigned}
 */
@FunctionalInterface
public interface AssignmentHandler<R> extends AutoCloseable {

    /** Restores state for {@code partitions}; an exception fails the source. */
    R restore(Set<TopicPartition> partitions);

    /** Frees what the handler holds; called once, on the poll thread, when the source stops. */
    @Override
    default void close() {}
}
