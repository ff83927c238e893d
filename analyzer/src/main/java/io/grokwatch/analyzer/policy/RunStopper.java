package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Optional;

/**
 * One run's decision state under a per-run policy, fed every evaluation in step order with the detector's
 * summary after that evaluation. Not thread-safe; one per run.
 */
public interface RunStopper {

    /** A stop at this evaluation, or empty to let the run go on. */
    Optional<Stop> observe(RunSummary summary, StepRecord step);

    /**
     * The run's step budget, once known after the stopper was made (live, a run_started can arrive after the run's
     * first evaluations: it travels on another topic). Only policies that weigh the budget use it.
     */
    default void budget(long budget) {}

    /**
     * The decision state as numbers, for the live analyzer's changelog; {@link PerRunPolicy#restore} makes the
     * stopper again from them. Empty for a stopper with no state.
     */
    default double[] state() {
        return new double[0];
    }
}
