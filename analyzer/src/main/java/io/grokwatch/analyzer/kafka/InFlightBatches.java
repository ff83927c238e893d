package io.grokwatch.analyzer.kafka;

import java.time.Duration;

/**
 * Bookkeeping between a {@link KafkaSource}'s poll thread and the thread that processes its
 * batches: how many records are emitted but unfinished (for backpressure), which assignment
 * epoch is current, and whether a batch is being committed right now (a revocation waits for it).
 *
 * <p>Thread-safe; every method holds this object's monitor only briefly, except
 * {@link #endEpochAndAwaitIdle} which waits on it.
 */
final class InFlightBatches {
    private long epoch;
    private long outstandingRecords;
    private SourceSignal.Batch<?> active;

    synchronized long epoch() {
        return epoch;
    }

    synchronized long outstandingRecords() {
        return outstandingRecords;
    }

    /** Called by the poll thread when it emits a batch. */
    synchronized void emitted(SourceSignal.Batch<?> batch) {
        outstandingRecords += batch.size();
    }

    /**
     * Marks the batch active if its epoch is current. False means a rebalance has rewound its
     * partitions: the caller must drop it without processing (and still call {@link #finished}).
     */
    synchronized boolean begin(SourceSignal.Batch<?> batch) {
        if (batch.epoch() != epoch) return false;
        active = batch;
        return true;
    }

    /** The batch was committed, aborted or dropped; its records no longer count as outstanding. */
    synchronized void finished(SourceSignal.Batch<?> batch) {
        outstandingRecords -= batch.size();
        if (active == batch) {
            active = null;
            notifyAll();
        }
    }

    /**
     * Ends the current epoch, so queued batches are dropped instead of processed, and waits up to
     * {@code max} for the active batch, if any, to finish. Returns false on timeout; correctness
     * does not depend on the wait (a late commit is fenced by the group generation), it only
     * avoids aborting work that was nearly done.
     */
    synchronized boolean endEpochAndAwaitIdle(Duration max) throws InterruptedException {
        epoch++;
        long deadline = System.nanoTime() + max.toNanos();
        while (active != null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
