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
}
