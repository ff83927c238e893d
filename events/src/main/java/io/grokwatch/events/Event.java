package io.grokwatch.events;

/** A record on one of grokwatch's topics; {@link #run()} is its Kafka key. */
public sealed interface Event
        permits RunStarted,
                RunFinished,
                StepRecord,
                EmbeddingSnapshot,
                Transition,
                Alert,
                StructureAnalysis,
                Forecast,
                ControlCommand,
                Job,
                DlqRecord {

    /** The run this record belongs to; the Kafka key, so one run's records stay ordered. */
    String run();

    /** The wire name of this record's type, the JSON {@code type} field. */
    default String type() {
        return EventType.of(this).wireName();
    }
}
