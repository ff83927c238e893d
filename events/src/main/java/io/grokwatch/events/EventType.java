package io.grokwatch.events;

/** The JSON {@code type} discriminator of each record, and the topic it travels on. */
public enum EventType {
    RUN_STARTED("run_started", Topics.RUNS),
    RUN_FINISHED("run_finished", Topics.RUNS),
    STEP("step", Topics.METRICS),
    EMBEDDING_SNAPSHOT("embedding_snapshot", Topics.EMBEDDINGS),
    TRANSITION("transition", Topics.EVENTS),
    ALERT("alert", Topics.EVENTS),
    STRUCTURE("structure", Topics.EVENTS),
    FORECAST("forecast", Topics.EVENTS),
    CONTROL("control", Topics.CONTROL),
    JOB("job", Topics.JOBS),
    DLQ("dlq", Topics.DLQ);

    private final String wireName;
    private final String topic;

    EventType(String wireName, String topic) {
        this.wireName = wireName;
        this.topic = topic;
    }

    public String wireName() {
        return wireName;
    }

    /** The topic a record of this type is published to. */
    public String topic() {
        return topic;
    }

    public static EventType of(Event e) {
        if (e instanceof RunStarted) return RUN_STARTED;
        if (e instanceof RunFinished) return RUN_FINISHED;
        if (e instanceof StepRecord) return STEP;
        if (e instanceof EmbeddingSnapshot) return EMBEDDING_SNAPSHOT;
        if (e instanceof Transition) return TRANSITION;
        if (e instanceof Alert) return ALERT;
        if (e instanceof StructureAnalysis) return STRUCTURE;
        if (e instanceof Forecast) return FORECAST;
        if (e instanceof ControlCommand) return CONTROL;
        if (e instanceof Job) return JOB;
        return DLQ;
    }

    /** Looks a type up by its wire name; null when unknown. */
    public static EventType fromWire(String name) {
        for (EventType t : values()) {
            if (t.wireName.equals(name)) return t;
        }
        return null;
    }
}
