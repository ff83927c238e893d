package io.grokwatch.cli.demo;

import io.grokwatch.events.Event;
import io.grokwatch.trainer.publish.EventPublisher;
import io.grokwatch.trainer.publish.PublishStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A publisher that holds records in memory until the real one is attached, then forwards them in
 * order and everything after. Lets training start while the embedded broker is still starting,
 * without a Kafka client retrying (and logging) against a port nobody listens on yet.
 */
public final class HeldPublisher implements EventPublisher {
    private final List<Event> held = new ArrayList<>();
    private EventPublisher target;
    private boolean closed;

    @Override
    public synchronized void publish(Event event) {
        if (event == null) throw new IllegalArgumentException("event must not be null");
        if (target != null) {
            target.publish(event);
        } else if (!closed) {
            held.add(event);
        }
    }

    /** Forwards the held records to {@code target}, in order, and every later one. */
    public synchronized void attach(EventPublisher target) {
        if (this.target != null) throw new IllegalStateException("a publisher is already attached");
        for (Event e : held) target.publish(e);
        held.clear();
        this.target = target;
    }

    /** Records held while no publisher is attached. */
    public synchronized int held() {
        return held.size();
    }

    @Override
    public synchronized PublishStats stats() {
        return target != null ? target.stats() : new PublishStats(held.size(), 0, 0, 0, held.size());
    }

    /** Closes the attached publisher; records still held (none attached) are lost and counted as failed. */
    @Override
    public synchronized PublishStats close(Duration timeout) {
        closed = true;
        if (target != null) return target.close(timeout);
        PublishStats s = new PublishStats(held.size(), 0, 0, held.size(), 0);
        held.clear();
        return s;
    }
}
