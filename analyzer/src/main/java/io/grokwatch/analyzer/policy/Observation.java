package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;

/**
 * One run's evaluation as a policy sees it: the record and the detector's summary right after it.
 *
 * @param run the run's name in the replay (unique among the replayed runs)
 * @param budget the run's step budget: its configured steps, or its last recorded step when that is unknown
 */
public record Observation(String run, StepRecord step, RunSummary summary, long budget) {}
