package io.grokwatch.trainer.publish;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer between the step loop and the Kafka sender, with the counts of
 * {@link PublishStats}. "Held" records are those queued here plus those handed to the Kafka
 * client and not yet acknowledged: the capacity bounds both, so an outage cannot grow the
 * client's own buffer without limit either.
 *
 * <p>Admission: run_started and run_finished always enter (two per run; the analyzer needs
 * them); step records while fewer than {@code capacity} are held; embedding snapshots only
 * while fewer than {@code capacity - capacity/4} are held, so when the broker is away the last
 * quarter of the buffer is kept for step records.
 *
 * <p>One lock guards everything; it is held for a few field updates only, never across I/O,
 * so {@link #offer} does not wait on the sender or on Kafka.
 */
final class PublishBuffer {
    private final int capacity;
    private final int snapshotLimit;
    private final ArrayDeque<Event> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();

    // all guarded by lock
    private long inKafka;
    private long published;
    private long delivered;
    private long dropped;
    private long droppedSnapshots;
    private long failed;
    private boolean closed;

    PublishBuffer(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("bufferCapacity must be >= 1, got " + capacity);
        this.capacity = capacity;
        this.snapshotLimit = capacity - capacity / 4;
    }

    int capacity() {
        return capacity;
    }

    /** Adds the record if it is admitted (see class doc); false when it was dropped. */
    boolean offer(Event e) {
        lock.lock();
        try {
            published++;
            long held = queue.size() + inKafka;
            boolean admitted;
            if (closed) {
                admitted = false;
            } else if (e instanceof RunStarted || e instanceof RunFinished) {
                admitted = true;
            } else if (e instanceof EmbeddingSnapshot) {
                admitted = held < snapshotLimit;
            } else {
                admitted = held < capacity;
            }
            if (!admitted) {
                dropped++;
                if (e instanceof EmbeddingSnapshot) droppedSnapshots++;
                return false;
            }
            queue.addLast(e);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest queued record, counting it as handed to Kafka; waits up to {@code nanos}
     * for one. Null when none came, or at once when the buffer is closed and empty.
     */
    Event take(long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closed || nanos <= 0) return null;
                nanos = notEmpty.awaitNanos(nanos);
            }
            inKafka++;
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Puts back a record Kafka refused before taking it, so it is the next one taken (order kept). */
    void putBack(Event e) {
        lock.lock();
        try {
            inKafka--;
            queue.addFirst(e);
        } finally {
            lock.unlock();
        }
    }

    void delivered() {
        lock.lock();
        try {
            inKafka--;
            delivered++;
        } finally {
            lock.unlock();
        }
    }

    void failed() {
        lock.lock();
        try {
            inKafka--;
            failed++;
        } finally {
            lock.unlock();
        }
    }

    /** Records handed to Kafka and not acknowledged yet. */
    long inKafka() {
        lock.lock();
        try {
            return inKafka;
        } finally {
            lock.unlock();
        }
    }

    long queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** From now on every offer is dropped; a waiting {@link #take} returns. */
    void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Counts what is still queued as failed (it will never be sent) and empties the queue. */
    long abandonQueued() {
        lock.lock();
        try {
            long n = queue.size();
            failed += n;
            queue.clear();
            return n;
        } finally {
            lock.unlock();
        }
    }

    long droppedSnapshots() {
        lock.lock();
        try {
            return droppedSnapshots;
        } finally {
            lock.unlock();
        }
    }

    PublishStats stats() {
        lock.lock();
        try {
            return new PublishStats(published, delivered, dropped, failed, queue.size() + inKafka);
        } finally {
            lock.unlock();
        }
    }
}
