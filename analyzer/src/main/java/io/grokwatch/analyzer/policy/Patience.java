package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code patience:METRIC:N[:MIN_DELTA]}, Keras {@code EarlyStopping}: an evaluation improves when it beats the best
 * so far by more than MIN_DELTA in the metric's direction (losses down, accuracies up), and only an improvement
 * moves the best; the run stops at the first evaluation without improvement once N steps have passed since the
 * last improvement ({@code N} plain), or once N evaluations in a row did not improve ({@code Ne}, Keras's epochs).
 * Never at the first evaluation. The stop reports the last improvement's step as Keras's restore-best would.
 *
 * @param evaluations true when N counts evaluations ({@code 10e}), false when it counts steps
 */
public record Patience(String spec, Metric metric, long n, boolean evaluations, double minDelta)
        implements PerRunPolicy {

    public Patience {
        if (n < 0) throw new IllegalArgumentException("policy '" + spec + "': N must be >= 0, got " + n);
        if (!(minDelta >= 0) || Double.isInfinite(minDelta))
            throw new IllegalArgumentException(
                    "policy '" + spec + "': MIN_DELTA must be a finite number >= 0, got " + minDelta);
    }

    @Override
    public RunStopper newRun() {
        return new State();
    }

    @Override
    public RunStopper restore(double[] state) {
        State s = new State();
        s.restore(state, 0);
        return s;
    }

    /** Keras's state: best, the step of the last improvement, and the count of evaluations since. */
    final class State implements RunStopper {
        private double best = metric.worst();
        private Long bestStep;
        private long firstStep = -1;
        private long wait;

        @Override
        public Optional<Stop> observe(RunSummary summary, StepRecord step) {
            return observe(step);
        }

        Optional<Stop> observe(StepRecord step) {
            double v = metric.of(step);
            boolean first = firstStep < 0;
            if (first) firstStep = step.step();
            if (metric.improves(v, best, minDelta)) {
                best = v;
                bestStep = step.step();
                wait = 0;
                return Optional.empty();
            }
            wait++;
            long since = step.step() - (bestStep == null ? firstStep : bestStep);
            boolean exhausted = evaluations ? wait >= n : since >= n;
            if (first || !exhausted) return Optional.empty();
            String what = evaluations ? wait + " evaluations" : since + " steps";
            String bestText = bestStep == null
                    ? "no finite value yet"
                    : String.format(Locale.ROOT, "best %.6g at step %d", best, bestStep);
            return Optional.of(new Stop(
                    step.step(),
                    "policy " + spec + ": " + metric.specName() + " has not improved by more than " + minDelta + " for "
                            + what + " (" + bestText + "), now at step " + step.step(),
                    bestStep));
        }

        /** Numbers in {@link #state()}. */
        static final int STATE = 4;

        @Override
        public double[] state() {
            return new double[] {best, bestStep == null ? Double.NaN : bestStep, firstStep, wait};
        }

        /** Reads {@link #STATE} numbers of a {@link #state()} from {@code at}. */
        void restore(double[] state, int at) {
            if (state.length < at + STATE)
                throw new IllegalArgumentException("policy " + spec + ": state has " + state.length
                        + " numbers, expected at least " + (at + STATE));
            best = state[at];
            bestStep = Double.isNaN(state[at + 1]) ? null : (long) state[at + 1];
            firstStep = (long) state[at + 2];
            wait = (long) state[at + 3];
        }

        /** The step of the last improvement, or null before the first. */
        Long bestStep() {
            return bestStep;
        }
    }
}
