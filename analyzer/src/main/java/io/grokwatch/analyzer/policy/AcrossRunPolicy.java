package io.grokwatch.analyzer.policy;

/**
 * A policy that weighs each run against the other runs of its set (median rule, successive halving), from one
 * metric of theirs alone, never from the detector's summary: so a {@link LiveSweep} can keep each run's history as
 * (step, value) pairs and feed it again after a restart.
 */
public interface AcrossRunPolicy extends ReplayPolicy {

    /** The one metric the policy reads. */
    Metric metric();

    @Override
    default boolean acrossRuns() {
        return true;
    }
}
