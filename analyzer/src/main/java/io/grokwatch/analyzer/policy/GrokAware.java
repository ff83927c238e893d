package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.Forecast;
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
 * to grokking (Nanda et al. 2023, Liu et al. 2022); nor while MEMORIZED and train loss still falls by more than
 * {@value #STILL_MEMORIZING_DECADES} decade per 1,000 steps over the window (still memorizing, Nanda et al.'s first
 * phase: a transformer's val loss rises then, before its slow fall); nor while the detector says GENERALIZING (val
 * accuracy has risen off its memorized plateau: the grokking itself, during which val loss often still sits above
 * its first value).
 *
 * <p>It also stops a memorized run when the {@link GrokForecast} has said, for {@value #SUSTAIN_SHARE_PERCENT}% of
 * the budget in a row, that even its earliest t_val is past the budget; but never before the step is
 * {@value #WARMUP_FACTOR} times the later of t_train and the start of the val-loss trend, because right after
 * memorization val loss is still at its peak and every trend says "never" (measured on the bench runs:
 * analyzer/FORECAST.md).
 */
public record GrokAware(String spec, long n, long window, GrokForecast forecast) implements PerRunPolicy {

    /**
     * Train loss falling faster than this many decades per 1,000 steps means the run is still memorizing. On every
     * recorded simple-grokking run it falls at most 0.7 decades per 1,000 steps once memorized (bench/runs);
     * nanda-long falls 4.5 while its val loss climbs to its peak, then 0.02 (analyzer/POLICIES.md).
     */
    static final double STILL_MEMORIZING_DECADES = 1.0;

    /** No forecast stop before this many times max(t_train, trend start). */
    static final int WARMUP_FACTOR = 5;
    /** The forecast must hold this share of the budget, in per cent, before it stops a run. */
    static final int SUSTAIN_SHARE_PERCENT = 5;

    public GrokAware {
        if (n < 0) throw new IllegalArgumentException("policy '" + spec + "': N must be >= 0, got " + n);
        if (window < 1) throw new IllegalArgumentException("policy '" + spec + "': WINDOW must be >= 1, got " + window);
        if (forecast == null) throw new IllegalArgumentException("policy '" + spec + "': forecast is required");
    }

    /** Without a budget the run's forecast cannot be weighed against one: it is not consulted until one is given. */
    @Override
    public RunStopper newRun() {
        return new State(forecast.newRun(), NO_BUDGET);
    }

    @Override
    public RunStopper newRun(long budget) {
        return new State(forecast.newRun(), budget);
    }

    /**
     * Layout of {@link RunStopper#state()}: budget (-1 unknown), pastBudgetSince, patience, tracker, then the window:
     * minus its point count and four numbers a point (step, val loss, weight norm, train loss); a positive count is
     * the earlier layout of three numbers a point, without train loss.
     */
    @Override
    public RunStopper restore(double[] state) {
        try {
            int at = 0;
            long budget = (long) state[at++];
            long pastBudgetSince = (long) state[at++];
            Patience.State patience = freshPatience();
            patience.restore(state, at);
            at += Patience.State.STATE;
            int trackerLength = (int) state[at++];
            GrokForecast.Tracker tracker =
                    forecast.restore(java.util.Arrays.copyOfRange(state, at, at + trackerLength));
            at += trackerLength;
            State s = new State(tracker, budget < 0 ? NO_BUDGET : budget, patience);
            s.pastBudgetSince = pastBudgetSince;
            int points = (int) state[at++];
            boolean withTrainLoss = points < 0;
            for (int i = 0; i < Math.abs(points); i++, at += withTrainLoss ? 4 : 3)
                s.recent.addLast(new Point(
                        (long) state[at], state[at + 1], state[at + 2], withTrainLoss ? state[at + 3] : Double.NaN));
            if (at != state.length) throw new IllegalArgumentException(state.length - at + " numbers left over");
            return s;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "policy " + spec + ": state of " + state.length + " numbers does not decode (" + e.getMessage()
                            + ")",
                    e);
        }
    }

    private static final long NO_BUDGET = Long.MAX_VALUE;

    private Patience.State freshPatience() {
        return (Patience.State) new Patience(spec, Metric.VAL_LOSS, n, false, 0).newRun();
    }

    /** What the slopes need of an evaluation. */
    private record Point(long step, double valLoss, double weightNorm, double trainLoss) {
        double log10TrainLoss() {
            return trainLoss > 0 ? Math.log10(trainLoss) : Double.NaN;
        }
    }

    private final class State implements RunStopper {
        private final Patience.State patience;
        private final Deque<Point> recent = new ArrayDeque<>();
        private final GrokForecast.Tracker tracker;
        private long budget;
        /** First step of the current unbroken run of "past the budget" forecasts, or -1. */
        private long pastBudgetSince = -1;

        State(GrokForecast.Tracker tracker, long budget) {
            this(tracker, budget, freshPatience());
        }

        State(GrokForecast.Tracker tracker, long budget, Patience.State patience) {
            this.tracker = tracker;
            this.budget = budget;
            this.patience = patience;
        }

        @Override
        public void budget(long budget) {
            this.budget = budget;
        }

        @Override
        public double[] state() {
            double[] p = patience.state();
            double[] t = tracker.state();
            double[] out = new double[2 + p.length + 1 + t.length + 1 + 4 * recent.size()];
            int at = 0;
            out[at++] = budget == NO_BUDGET ? -1 : budget;
            out[at++] = pastBudgetSince;
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
            out[at++] = t.length;
            System.arraycopy(t, 0, out, at, t.length);
            at += t.length;
            out[at++] = -recent.size();
            for (Point q : recent) {
                out[at++] = q.step();
                out[at++] = q.valLoss();
                out[at++] = q.weightNorm();
                out[at++] = q.trainLoss();
            }
            return out;
        }

        @Override
        public Optional<Stop> observe(RunSummary summary, StepRecord step) {
            recent.addLast(new Point(
                    step.step(),
                    step.valLoss(),
                    step.weightNorm() == null ? Double.NaN : step.weightNorm(),
                    step.trainLoss()));
            while (recent.peekFirst().step() <= step.step() - window) recent.removeFirst();
            boolean memorized = summary.phase() == Phase.MEMORIZED;
            Optional<GrokForecast.Verdict> verdict = tracker.observe(summary, step, budget); // fed every evaluation
            if (memorized && verdict.isPresent() && budget != NO_BUDGET) {
                Optional<Stop> stop = forecastStop(summary, step, verdict.get());
                if (stop.isPresent()) return stop;
            } else {
                pastBudgetSince = -1;
            }
            Optional<Stop> stop = patience.observe(step); // fed every evaluation, so its best is the run's
            if (summary.phase() == Phase.GENERALIZING) return Optional.empty();
            if (stop.isEmpty() || !memorized) return stop;
            double lossSlope = slope(Point::valLoss);
            double normSlope = slope(Point::weightNorm);
            if (lossSlope < 0 || normSlope < 0) return Optional.empty();
            double memorizing = -1000 * slope(Point::log10TrainLoss); // decades per 1,000 steps
            if (memorizing > STILL_MEMORIZING_DECADES) return Optional.empty();
            return Optional.of(new Stop(
                    step.step(),
                    stop.get().reason()
                            + String.format(
                                    Locale.ROOT,
                                    "; memorized, but over the last %d steps val loss is not falling (slope %.3g),"
                                            + " weight norm is not shrinking (slope %.3g) and train loss is not still"
                                            + " falling fast (%.2g decades per 1000 steps)",
                                    window,
                                    lossSlope,
                                    normSlope,
                                    memorizing),
                    stop.get().restoreStep()));
        }

        private Optional<Stop> forecastStop(RunSummary summary, StepRecord step, GrokForecast.Verdict verdict) {
            Forecast f = verdict.forecast();
            long warm = WARMUP_FACTOR * Math.max(summary.tTrain() == null ? 0 : summary.tTrain(), verdict.trendSince());
            if (step.step() < warm || !f.surelyPastBudget()) {
                pastBudgetSince = -1;
                return Optional.empty();
            }
            if (pastBudgetSince < 0) pastBudgetSince = step.step();
            if ((step.step() - pastBudgetSince) * 100 < SUSTAIN_SHARE_PERCENT * budget) return Optional.empty();
            return Optional.of(new Stop(
                    step.step(),
                    "policy " + spec + ": since step " + pastBudgetSince
                            + " the forecast puts t_val past the budget of "
                            + budget + " steps (now: "
                            + (f.low() == null ? "never" : "at the earliest step " + f.low()) + "; " + f.basis() + ")",
                    null));
        }

        /** Least-squares slope of f over the window's evaluations with finite values; NaN with fewer than 2. */
        private double slope(ToDoubleFunction<Point> f) {
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
            long origin = recent.peekFirst().step(); // centred, so the sums stay small
            for (Point s : recent) {
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
