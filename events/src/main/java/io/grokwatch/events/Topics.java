package io.grokwatch.events;

import java.util.List;

/**
 * grokwatch's topic names. Every record is keyed by its run id, so one run's records land on
 * one partition and stay ordered.
 */
public final class Topics {
    public static final String RUNS = "grokwatch.runs";
    public static final String METRICS = "grokwatch.metrics";
    public static final String EMBEDDINGS = "grokwatch.embeddings";
    public static final String EVENTS = "grokwatch.events";
    public static final String CONTROL = "grokwatch.control";
    public static final String DLQ = "grokwatch.dlq";
    /** Training jobs for the workers of a sweep; one consumer group shares them. */
    public static final String JOBS = "grokwatch.jobs";

    /**
     * Partitions of grokwatch.jobs when grokwatch creates it: workers share jobs by partition, and 12 splits evenly
     * among 1, 2, 3, 4, 6 or 12 of them (a sweep spreads its jobs over the partitions in turn).
     */
    public static final int JOBS_PARTITIONS = 12;

    /** All topics, in the order of the data flow. */
    public static final List<String> ALL = List.of(JOBS, RUNS, METRICS, EMBEDDINGS, EVENTS, CONTROL, DLQ);

    private Topics() {}

    /** The Kafka key of a record: its run id, UTF-8. */
    public static byte[] key(Event e) {
        return e.run().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
