package io.grokwatch.analyzer.kafka;

import io.grokwatch.events.ControlCommand;
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

/** One input record after decoding: a step or snapshot for a run, a checked control command, or a record for the DLQ. */
sealed interface Decoded {

    /** Longest payload copied into a DLQ record; a broken embedding snapshot can be megabytes. */
    int MAX_DLQ_PAYLOAD_CHARS = 100_000;

    /** The partition the record came from; per-run state lives under this partition number. */
    int partition();

    /** A valid input for the run's detector, with the record it came from. */
    record Input(int partition, Event event, ConsumerRecord<String, byte[]> source) implements Decoded {}

    /**
     * A well-formed command on grokwatch.control. The analyzer reads that topic only to judge it: the trainers that
     * act on it each read every record and skip what does not decode, so one group has to send the bad ones to the
     * DLQ, once.
     */
    record Checked(int partition) implements Decoded {}

    /** A record that failed to decode or validate. */
    record Bad(int partition, DlqRecord dlq) implements Decoded {}

    /**
     * Decodes a record from grokwatch.metrics (must be a step), grokwatch.embeddings (must be a
     * snapshot), grokwatch.runs (run_started or run_finished) or grokwatch.control (a control command) whose key must
     * be its run id, since per-run state and a run's commands are partitioned by that key. Never throws: whatever is
     * wrong becomes a {@link Bad} naming the field.
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
                Class<? extends Event> expected = expectedType(r.topic());
                if (!expected.isInstance(e)) {
                    throw new InvalidEventException(
                            "type",
                            "topic " + r.topic() + " carries " + typeName(r.topic()) + " records, got '" + e.type()
                                    + "'");
                }
            }
            if (r.key() == null) {
                throw new InvalidEventException(
                        "key", "is required: the run id '" + e.run() + "', so the run's records share a partition");
            }
            if (!r.key().equals(e.run())) {
                throw new InvalidEventException("key", "'" + r.key() + "' differs from field 'run' '" + e.run() + "'");
            }
            return e instanceof ControlCommand ? new Checked(r.partition()) : new Input(r.partition(), e, r);
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

    private static Class<? extends Event> expectedType(String topic) {
        return switch (topic) {
            case Topics.EMBEDDINGS -> EmbeddingSnapshot.class;
            case Topics.CONTROL -> ControlCommand.class;
            default -> StepRecord.class;
        };
    }

    private static String typeName(String topic) {
        return switch (topic) {
            case Topics.EMBEDDINGS -> "embedding_snapshot";
            case Topics.CONTROL -> "control";
            default -> "step";
        };
    }

    private static String payloadText(byte[] value) {
        if (value == null) return "";
        String s = new String(value, StandardCharsets.UTF_8);
        return s.length() <= MAX_DLQ_PAYLOAD_CHARS
                ? s
                : s.substring(0, MAX_DLQ_PAYLOAD_CHARS) + "...(truncated, " + value.length + " bytes)";
    }
}
