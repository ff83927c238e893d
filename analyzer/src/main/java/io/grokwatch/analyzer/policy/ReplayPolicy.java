package io.grokwatch.analyzer.policy;

import java.util.List;
import java.util.Map;

/**
 * A stopping rule replayable over recorded runs: per run (patience, budget, threshold, grok-aware, ...) or across
 * the runs of a set (median rule, successive halving). Parsed from its spec by {@link PolicySpecs#parse}, the same
 * parser the live analyzer's {@code --auto-stop} uses.
 *
 * <pre>{@code
 * ReplayPolicy.Replay r = ReplayPolicy.parse("median:val_acc:1000:3").start();
 * for (long step : stepsInOrder) stops.putAll(r.observe(step, liveRunsEvaluatedAt(step)));
 * }</pre>
 */
public interface ReplayPolicy {

    /** The spec this policy was parsed from; names it in tables and stop reasons. */
    String spec();

    /** True when a run's stop depends on the other runs (median rule, ASHA). */
    default boolean acrossRuns() {
        return false;
    }

    /** Fresh decision state for one pass over a set of runs. */
    Replay start();

    /** The policy for a spec; see {@link PolicySpecs} for the kinds. Errors name the spec. */
    static ReplayPolicy parse(String spec) {
        return PolicySpecs.parse(spec);
    }

    /** One pass of a policy over a set of runs, fed in increasing step order. Not thread-safe. */
    interface Replay {

        /**
         * The evaluations at {@code step} of every run still going (stopped runs are no longer fed; runs that
         * ended stay in the state with what they had); returns the runs to stop now, by run name.
         */
        Map<String, Stop> observe(long step, List<Observation> evaluations);
    }
}
