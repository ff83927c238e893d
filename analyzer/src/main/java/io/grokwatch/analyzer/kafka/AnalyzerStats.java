package io.grokwatch.analyzer.kafka;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters of one analyzer instance. Everything but {@code lag} counts committed work only: a
 * batch whose transaction aborts adds nothing.
 *
 * <pre>{@code
 * AnalyzerStats.Snapshot s = service.stats().snapshot();
 * System.out.println(s.recordsIn() + " in, " + s.dlq() + " to the DLQ, lag " + s.lag());
 * }</pre>
 */
public final class AnalyzerStats {
    private final LongAdder recordsIn = new LongAdder();
    private final LongAdder recordsOut = new LongAdder();
    private final LongAdder dlq = new LongAdder();
    private final LongAdder transitions = new LongAdder();
    private final LongAdder alerts = new LongAdder();
    private final LongAdder structureAnalyses = new LongAdder();
    private final LongAdder stopCommands = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder restarts = new LongAdder();
    private volatile LongSupplier lag = () -> 0;

    /** Counts of one committed batch. */
    record BatchCounts(
            long recordsIn,
            long recordsOut,
            long dlq,
            long transitions,
            long alerts,
            long structureAnalyses,
            long stopCommands) {}

    void committed(BatchCounts c) {
        recordsIn.add(c.recordsIn());
        recordsOut.add(c.recordsOut());
        dlq.add(c.dlq());
        transitions.add(c.transitions());
        alerts.add(c.alerts());
        structureAnalyses.add(c.structureAnalyses());
        stopCommands.add(c.stopCommands());
        transactions.increment();
    }

    void restarted() {
        restarts.increment();
    }

    void lagFrom(LongSupplier lag) {
        this.lag = lag;
    }

    /** The counters now. */
    public Snapshot snapshot() {
        return new Snapshot(
                recordsIn.sum(),
                recordsOut.sum(),
                dlq.sum(),
                transitions.sum(),
                alerts.sum(),
                structureAnalyses.sum(),
                stopCommands.sum(),
                transactions.sum(),
                restarts.sum(),
                lag.getAsLong());
    }

    /**
     * The counters at one moment.
     *
     * @param recordsIn input records (steps, snapshots, bad records) whose batch committed
     * @param recordsOut records written to grokwatch.events and grokwatch.control
     * @param dlq bad records written to grokwatch.dlq
     * @param transactions committed transactions (one per poll batch)
     * @param restarts times the pipeline was rebuilt after a recoverable failure
     * @param lag records not yet read on the assigned partitions, after the latest poll
     */
    public record Snapshot(
            long recordsIn,
            long recordsOut,
            long dlq,
            long transitions,
            long alerts,
            long structureAnalyses,
            long stopCommands,
            long transactions,
            long restarts,
            long lag) {}
}
