package io.grokwatch.trainer.publish;

import io.grokwatch.events.Event;
import java.time.Duration;

/**
 * Where a training run sends its records; {@link #publish} never blocks the step loop.
 *
 * <pre>{@code
 * try (EventPublisher out = noKafka ? NoKafka.INSTANCE : RunPublisher.builder().kafkaProperties(props).start()) {
 *   out.publish(runStarted);
 *   ...
 * }
 * }</pre>
 */
public interface EventPublisher extends AutoCloseable {

    /** How long {@link #close()} waits for pending records. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Hands one record over and returns at once. Records the publisher cannot keep are counted
     * as dropped, never thrown; only a null record is an error.
     */
    void publish(Event event);

    /** Counts so far; safe to call from any thread. */
    PublishStats stats();

    /**
     * Delivers what it can within {@code timeout}, releases resources and returns the final
     * counts, in which nothing is pending any more. Later calls return the same counts.
     */
    PublishStats close(Duration timeout);

    /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    @Override
    default void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }
}
