package io.grokwatch.analyzer.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The transactional producer of one pipeline: one transaction per poll batch, holding the
 * batch's outputs, its state updates and its input offsets. Creating it calls
 * {@code initTransactions()}, which fences an earlier producer with the same transactional.id
 * (this instance before a crash) and aborts its open transaction. Used by one thread, the
 * analyzer's worker: init, offsets, commit and abort wait for the broker, and that thread exists to wait.
 */
final class TransactionalPublisher implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private boolean open;

    TransactionalPublisher(Map<String, Object> producerConfig) {
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions(); // blocks until the broker has fenced the predecessor (max.block.ms)
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Begins the batch's transaction and sends its records (asynchronously; errors surface at commit). */
    void publish(List<ProducerRecord<String, byte[]>> records) {
        producer.beginTransaction(); // local, no broker round trip
        open = true;
        // send() blocks (up to max.block.ms) only for a topic's first metadata or a full buffer
        for (ProducerRecord<String, byte[]> r : records) producer.send(r);
    }

    /**
     * Adds the input offsets to the transaction and commits it. The group metadata is the
     * consumer's at poll time: if the group rebalanced since, the broker rejects the offsets and
     * the commit fails, so a batch whose partitions moved on cannot commit.
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        producer.sendOffsetsToTransaction(offsets, group); // blocks until the coordinator has the offsets
        producer.commitTransaction(); // blocks until the broker has committed (or fails it)
        open = false;
    }

    /** Aborts the open transaction, if any; quiet, since it runs while handling another failure. */
    void abortQuietly() {
        if (!open) return;
        open = false;
        try {
            producer.abortTransaction();
        } catch (RuntimeException ignored) {
            // Fenced or broken: the broker aborts it on timeout or when our successor initializes.
        }
    }

    @Override
    public void close() {
        abortQuietly();
        producer.close(Duration.ofSeconds(5));
    }
}
