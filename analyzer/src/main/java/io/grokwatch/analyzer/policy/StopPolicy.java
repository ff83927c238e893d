package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Optional;

/**
 * When to stop a run, decided from the detector's summary and the newest step; pure, so recorded
 * runs can be replayed through a policy to see what it would have stopped and saved.
 *
 * <pre>{@code
 * StopPolicy p = StopPolicy.parse("memorized+5000");
 * p.shouldStop(detector.summary(), step).ifPresent(reason -> sendStop(run, reason));
 * }</pre>
 *
 * <p>Specs: {@code grokked+N} stops N steps after validation accuracy reached its threshold
 * (t_val, whether the run grokked or comprehended); {@code memorized+N} N steps after train accuracy
 * did (t_train: the naive early stopping that would kill a grokking run on its plateau);
 * {@code steps=N} at step N.
 */
public interface StopPolicy {

    /** A reason to stop (one line for the control command), or empty to let the run go on. */
    Optional<String> shouldStop(RunSummary summary, StepRecord last);

    /** The spec this policy was parsed from. */
    default String spec() {
        return toString();
    }

    /** Parses {@code grokked+N}, {@code memorized+N} or {@code steps=N}; errors name the spec. */
    static StopPolicy parse(String spec) {
        return StopPolicies.parse(spec);
    }
}
