package io.grokwatch.trainer.publish;

import io.grokwatch.events.Event;
import java.time.Duration;
import java.util.Objects;

/** The publisher of {@code --no-kafka}: accepts every record and sends it nowhere. */
public final class NoKafka implements EventPublisher {

    /** The one instance; it holds no state. */
    public static final NoKafka INSTANCE = new NoKafka();

    private NoKafka() {}

    @Override
    public void publish(Event event) {
        Objects.requireNonNull(event, "event");
    }

    /** Always {@link PublishStats#EMPTY}: nothing is counted because nothing is sent. */
    @Override
    public PublishStats stats() {
        return PublishStats.EMPTY;
    }

    @Override
    public PublishStats close(Duration timeout) {
        return PublishStats.EMPTY;
    }

    @Override
    public String toString() {
        return "NoKafka";
    }
}
