package io.grokwatch.analyzer.kafka;

import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.FastStepDecoder;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One input record after decoding: a step or snapshot for a run, or a record for the DLQ. */
sealed interface Decoded {

    /** Longest payload copied into a DLQ record; a broken embedding snapshot can be megabytes. */
    int MAX_DLQ_PAYLOAD_CHARS = 100_000;

    /** The partition the record came from; per-run state lives under this partition number. */
    int partition();

    /** A valid input for the run's detector, with the record it came from. */
    record Input(int partition, Event event, ConsumerRecord<String, byte[]> source) implements Decoded {}

    /** A record that failed to decode or validate. */
    record Bad(int partition, DlqRecord dlq) implements Decoded {}

    /**
     * Decodes a record from grokwatch.metrics (must be a step), grokwatch.embeddings (must be a
     * snapshot) or grokwatch.runs (run_started or run_finished) whose key must be its run id, since
     * per-run state is partitioned by that key. Never throws: whatever is wrong becomes a
     * {@link Bad} naming the field.
     */
    static Decoded of(ConsumerRecord<String, byte[]> r, long nowMillis) {
        try {
            Event e =
                    r.topic().equals(Topics.METRICS) ? FastStepDecoder.decode(r.value()) : EventCodec.decode(r.value());
            if (r.topic().equals(Topics.RUNS)) {
                if (!(e instanceof RunStarted || e instanceof RunFinished)) {
                    throw new InvalidEventException(
                            "type",
                            "topic " + r.topic() + " carries run_started and run_finished records, got '" + e.type()
                                    + "'");
                }
            } else {
                Class<? extends Event> expected =
                        r.topic().equals(Topics.EMBEDDINGS) ? EmbeddingSnapshot.class : StepRecord.class;
                if (!expected.isInstance(e)) {
                    throw new InvalidEventException(
                            "type",
                            "topic " + r.topic() + " carries "
                                    + (expected == StepRecord.class ? "step" : "embedding_snapshot") + " records, got '"
                                    + e.type() + "'");
                }
            }
            if (r.key() == null) {
                throw new InvalidEventException(
                        "key", "is required: the run id '" + e.run() + "', so the run's records share a partition");
            }
            if (!r.key().equals(e.run())) {
                throw new InvalidEventException("key", "'" + r.key() + "' differs from field 'run' '" + e.run() + "'");
            }
            return new Input(r.partition(), e, r);
        } catch (RuntimeException ex) {
            return new Bad(
                    r.partition(),
                    new DlqRecord(
                            r.key(),
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            payloadText(r.value()),
                            ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage(),
                            nowMillis));
        }
    }

    private static String payloadText(byte[] value) {
        if (value == null) return "";
        String s = new String(value, StandardCharsets.UTF_8);
        return s.length() <= MAX_DLQ_PAYLOAD_CHARS
                ? s
                : s.substring(0, MAX_DLQ_PAYLOAD_CHARS) + "...(truncated, " + value.length + " bytes)";
    }
}
