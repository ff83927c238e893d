package io.grokwatch.analyzer.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link KafkaSource} emits, in the order its poll thread saw it: poll batches and the
 * rebalance notices between them.
 *
 * @param <R> what the source's assignment handler restores for newly assigned partitions
 */
public sealed interface SourceSignal<R> {

    /**
     * The records polled since the previous batch (one poll or more), each partition's in offset
     * order.
     *
     * @param epoch the source's assignment epoch at poll time; a rebalance ends the epoch, and a
     *     batch of an ended epoch must not be processed (its partitions were rewound)
     * @param group the consumer's group metadata at poll time; a transaction that commits this
     *     batch's offsets with it is fenced if the group has moved on since
     * @param nextOffsets per partition, the offset to commit once every record is processed
     * @param caughtUp assigned partitions that this batch reads to the end: when it was taken, the
     *     consumer's lag on them was 0 (so nothing produced before then is still unread there)
     */
    record Batch<R>(
            long epoch,
            List<ConsumerRecord<String, byte[]>> records,
            ConsumerGroupMetadata group,
            Map<TopicPartition, OffsetAndMetadata> nextOffsets,
            Set<TopicPartition> caughtUp)
            implements SourceSignal<R> {

        public Batch {
            records = List.copyOf(records);
            nextOffsets = Map.copyOf(nextOffsets);
            caughtUp = Set.copyOf(caughtUp);
        }

        public int size() {
            return records.size();
        }
    }

    /**
     * Partitions taken away from this consumer. In-flight work for them has finished or been
     * abandoned by the time this is emitted; per-partition state for them must be dropped.
     *
     * @param lost true when the partitions were lost (session expired) rather than handed over
     */
    record Revoked<R>(Set<TopicPartition> partitions, boolean lost) implements SourceSignal<R> {
        public Revoked {
            partitions = Set.copyOf(partitions);
        }
    }

    /**
     * Partitions given to this consumer, already rewound to their committed offsets.
     *
     * @param restored what the assignment handler restored for them (e.g. per-run state)
     */
    record Assigned<R>(Set<TopicPartition> partitions, R restored) implements SourceSignal<R> {
        public Assigned {
            partitions = Set.copyOf(partitions);
        }
    }
}
