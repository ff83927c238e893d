package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * {@code grok-aware[:N[:WINDOW]]}: patience on val loss with N steps, except that it never stops a run while the
 * detector says MEMORIZED and either val loss is falling or the weight norm is shrinking over the last WINDOW steps
 * (the least-squares slope over the evaluations in that window is negative): the signs of a run still on its way
 * to grokking (Nanda et al. 2023, Liu et al. 2022); nor while the detector says GENERALIZING (val accuracy has risen
 * off its memorized plateau: the grokking itself, during which val loss often still sits above its first value). A
 * {@link GrokForecast} that says a memorized run will not reach t_val within its budget stops it; none is wired yet
 * ({@link GrokForecast#NONE}).
 */
public record GrokAware(String spec, long n, long window, GrokForecast forecast) implements PerRunPolicy {

    public GrokAware {
        if (n < 0) throw new IllegalArgumentException("policy '" + spec + "': N must be >= 0, got " + n);
        if (window < 1) throw new IllegalArgumentException("policy '" + spec + "': WINDOW must be >= 1, got " + window);
        if (forecast == null) throw new IllegalArgumentException("policy '" + spec + "': forecast is required");
    }

    @Override
    public RunStopper newRun() {
        return new State();
    }

    private final class State implements RunStopper {
        private final Patience.State patience =
                (Patience.State) new Patience(spec, Metric.VAL_LOSS, n, false, 0).newRun();
        private final Deque<StepRecord> recent = new ArrayDeque<>();

        @Override
        public Optional<Stop> observe(RunSummary summary, StepRecord step) {
            recent.addLast(step);
            while (recent.peekFirst().step() <= step.step() - window) recent.removeFirst();
            boolean memorized = summary.phase() == Phase.MEMORIZED;
            if (memorized) {
                Optional<GrokForecast.Verdict> verdict = forecast.forecast(summary, step);
                if (verdict.isPresent() && !verdict.get().groksWithinBudget()) {
                    return Optional.of(new Stop(
                            step.step(),
                            "policy " + spec + ": the forecast says the run will not reach t_val within "
                                    + verdict.get().budget() + " steps, now at step " + step.step(),
                            null));
                }
            }
            Optional<Stop> stop = patience.observe(step); // fed every evaluation, so its best is the run's
            if (summary.phase() == Phase.GENERALIZING) return Optional.empty();
            if (stop.isEmpty() || !memorized) return stop;
            double lossSlope = slope(StepRecord::valLoss);
            double normSlope = slope(s -> s.weightNorm() == null ? Double.NaN : s.weightNorm());
            if (lossSlope < 0 || normSlope < 0) return Optional.empty();
            return Optional.of(new Stop(
                    step.step(),
                    stop.get().reason()
                            + String.format(
                                    Locale.ROOT,
                                    "; memorized, but over the last %d steps val loss is not falling (slope %.3g)"
                                            + " and weight norm is not shrinking (slope %.3g)",
                                    window,
                                    lossSlope,
                                    normSlope),
                    stop.get().restoreStep()));
        }

        /** Least-squares slope of f over the window's evaluations with finite values; NaN with fewer than 2. */
        private double slope(ToDoubleFunction<StepRecord> f) {
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
            long origin = recent.peekFirst().step(); // centred, so the sums stay small
            for (StepRecord s : recent) {
                double y = f.applyAsDouble(s);
                if (!Double.isFinite(y)) continue;
                double x = s.step() - origin;
                n++;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double den = n * sxx - sx * sx;
            return n < 2 || den == 0 ? Double.NaN : (n * sxy - sx * sy) / den;
        }
    }
}
