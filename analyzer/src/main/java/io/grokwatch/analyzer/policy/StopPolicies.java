package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Locale;
import java.util.Optional;

/** The {@link StopPolicy} kinds: decided from the detector's summary and the newest step, no history. */
final class StopPolicies {
    private StopPolicies() {}

    /** {@code grokked+N}: N steps after t_val. */
    record AfterGeneralized(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            Long tVal = summary.tVal();
            if (tVal == null || last.step() < tVal + n) return Optional.empty();
            return Optional.of("policy " + spec + ": val accuracy reached its threshold at step " + tVal + " ("
                    + summary.finalClass().name().toLowerCase(Locale.ROOT) + "), now at step " + last.step());
        }
    }

    /** {@code memorized+N}: N steps after t_train. */
    record AfterMemorized(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            Long tTrain = summary.tTrain();
            if (tTrain == null || last.step() < tTrain + n) return Optional.empty();
            return Optional.of("policy " + spec + ": train accuracy reached its threshold at step " + tTrain
                    + ", now at step " + last.step());
        }
    }

    /** {@code steps=N} and {@code budget:N}: a fixed budget, the first evaluation at or past step N. */
    record AtStep(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            if (last.step() < n) return Optional.empty();
            return Optional.of("policy " + spec + ": step budget reached at step " + last.step());
        }
    }

    /** {@code threshold:METRIC:VALUE}: the first evaluation at which the metric is at or beyond VALUE. */
    record Threshold(String spec, Metric metric, double value) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            double v = metric.of(last);
            boolean crossed = metric.maximize() ? v >= value : v <= value;
            if (!crossed) return Optional.empty();
            return Optional.of(String.format(
                    Locale.ROOT,
                    "policy %s: %s %.6g at step %d is %s %s",
                    spec,
                    metric.specName(),
                    v,
                    last.step(),
                    metric.maximize() ? "at or above" : "at or below",
                    value));
        }
    }
}
