package io.grokwatch.events;

/**
 * grokwatch's default Kafka consumer group ids. Here, next to {@link Topics}, because modules share
 * code only through events and one module names another's group: the bridge reports the
 * analyzer's lag.
 */
public final class ConsumerGroups {
    /** The analyzer's group unless told otherwise; it also names the analyzer's state topic. */
    public static final String ANALYZER = "grokwatch-analyzer";
    /** The metrics bridge's group unless told otherwise. */
    public static final String BRIDGE = "grokwatch-bridge";
    /** The group the workers of grokwatch.jobs share unless told otherwise. */
    public static final String WORKER = "grokwatch-workers";

    private ConsumerGroups() {}
}
