package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Optional;

/**
 * When to stop a run, decided from the detector's summary and the newest step alone, with no history of its own;
 * replayable like every {@link ReplayPolicy}, and run live ({@code --auto-stop}) like every {@link PerRunPolicy}.
 *
 * <pre>{@code
 * StopPolicy p = StopPolicy.parse("memorized+5000");
 * p.shouldStop(detector.summary(), step).ifPresent(reason -> sendStop(run, reason));
 * }</pre>
 *
 * <p>Specs (all kinds and their parameters: analyzer/POLICIES.md): {@code grokked+N} stops N steps after
 * validation accuracy reached its threshold (t_val, whether the run grokked or comprehended); {@code memorized+N}
 * N steps after train accuracy did (t_train: the naive early stopping that would kill a grokking run on its
 * plateau); {@code steps=N} and {@code budget:N} at step N; {@code threshold:METRIC:VALUE} once the metric crosses
 * VALUE.
 */
public interface StopPolicy extends PerRunPolicy {

    /** A reason to stop (one line for the control command), or empty to let the run go on. */
    Optional<String> shouldStop(RunSummary summary, StepRecord last);

    /** The spec this policy was parsed from. */
    @Override
    default String spec() {
        return toString();
    }

    @Override
    default RunStopper newRun() {
        return (summary, step) -> shouldStop(summary, step).map(reason -> new Stop(step.step(), reason, null));
    }

    /**
     * Parses a spec of a kind without history (the same parser as replay's, so a spec means the same in both).
     * Errors name the spec.
     */
    static StopPolicy parse(String spec) {
        ReplayPolicy p = PolicySpecs.parse(spec);
        if (p instanceof StopPolicy stateless) return stateless;
        throw new IllegalArgumentException("policy '" + spec.trim() + "' keeps a history"
                + (p.acrossRuns() ? " of every run" : " of the run") + "; it is not one of " + PolicySpecs.stateless());
    }
}
