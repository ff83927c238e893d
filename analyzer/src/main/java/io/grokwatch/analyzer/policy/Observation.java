package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;

/**
 * One run's evaluation as a policy sees it: the record and the detector's summary right after it.
 *
 * @param run the run's name in the replay (unique among the replayed runs)
 */
public record Observation(String run, StepRecord step, RunSummary summary) {}
