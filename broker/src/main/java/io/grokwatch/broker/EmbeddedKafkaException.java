package io.grokwatch.broker;

/** The embedded Kafka broker could not start, format its data or create its topics. */
public final class EmbeddedKafkaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmbeddedKafkaException(String message, Throwable cause) {
        super(message, cause);
    }
}
