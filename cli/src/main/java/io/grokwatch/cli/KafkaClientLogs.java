package io.grokwatch.cli;

/** Quiets the Kafka clients' per-retry connection warnings in commands that report the broker's state themselves. */
public final class KafkaClientLogs {
    static final String NETWORK_CLIENT_LEVEL = "org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient";

    private KafkaClientLogs() {}

    /**
     * The trainer warns once that Kafka is unreachable and once that it is back; the clients' NetworkClient warns on
     * every reconnect (several lines a second a client), which buries that line and the progress bar. Call before the
     * first Kafka client exists: slf4j-simple fixes a logger's level when it creates it. A -D setting wins.
     */
    public static void quietConnectionRetries() {
        if (System.getProperty(NETWORK_CLIENT_LEVEL) == null) {
            System.setProperty(NETWORK_CLIENT_LEVEL, "error");
        }
    }
}
