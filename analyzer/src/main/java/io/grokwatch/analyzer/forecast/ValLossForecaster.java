package io.grokwatch.analyzer.forecast;

import io.grokwatch.events.Forecast;
import java.util.Arrays;
import java.util.Locale;

/**
 * A forecast of t_val from the trend of val loss since its peak, for a run that has memorized its training set.
 *
 * <p>Why val loss (analyzer/FORECAST.md has the measurements): at 100% train accuracy the val cross-entropy of a
 * memorizing network is large (the wrong answers are confident) and falls steadily while weight decay and the
 * forming circuit work, long before val accuracy moves; val accuracy reaches 90% when it is down to about 0.4 nats,
 * on every recorded MLP run. Its fall lies between a straight line (the earliest t_val) and an exponential (the
 * latest); the forecast extrapolates both to {@link Config#targetValLoss} and takes their geometric mean. A run
 * whose val loss does not fall has no t_val at the current trend ("never").
 *
 * <p>The trend is a weighted least-squares line through the evaluations since the peak, each weighted by
 * (step - peak)^{@link Config#recencyPower}: a window that grows with the run, so it looks at about the last
 * quarter of the time since the peak whatever the run's length, in six running sums per curve (O(1) state, kept in
 * the analyzer's changelog).
 *
 * <pre>{@code
 * ValLossForecaster f = new ValLossForecaster(ValLossForecaster.Config.DEFAULT);
 * f.observe(step.step(), step.valLoss());
 * Forecast event = f.forecast(run, step.step(), now, budget); // null before there is a trend
 * }</pre>
 */
public final class ValLossForecaster {

    /**
     * The forecaster's settings.
     *
     * @param targetValLoss the val loss at which val accuracy reaches its threshold (nats)
     * @param recencyPower the weight of an evaluation is (step - peak)^power: higher looks at a shorter recent span
     * @param minSpanSteps no forecast until the peak is this many steps behind
     */
    public record Config(double targetValLoss, double recencyPower, long minSpanSteps) {
        /** Fitted on the bench runs of #12's 24-run sweep (analyzer/FORECAST.md). */
        public static final Config DEFAULT = new Config(0.4, 6, 50);

        public Config {
            if (!(targetValLoss > 0))
                throw new IllegalArgumentException("targetValLoss must be > 0, got " + targetValLoss);
            if (!(recencyPower >= 0))
                throw new IllegalArgumentException("recencyPower must be >= 0, got " + recencyPower);
            if (minSpanSteps < 1) throw new IllegalArgumentException("minSpanSteps must be >= 1, got " + minSpanSteps);
        }
    }

    /**
     * A forecast in steps; {@link Double#POSITIVE_INFINITY} is never.
     *
     * @param trendLoss val loss on the trend line at the step of the forecast
     * @param slope its slope, nats per step (linear fit)
     */
    public record Estimate(long step, double tVal, double low, double high, double trendLoss, double slope) {}

    private static final int SUMS = 5; // sum w, w x, w x^2, w y, w x y
    private static final int STATE = 4 + 2 * SUMS;

    private final Config config;
    private long lastStep = -1;
    private long peakStep = -1;
    private double peakLoss = Double.NaN;
    private long evaluations;
    private final double[] linear = new double[SUMS];
    private final double[] logarithmic = new double[SUMS];

    public ValLossForecaster(Config config) {
        this.config = config;
    }

    /** Takes one evaluation in; a step at or before the last one taken is ignored, non-finite losses are left out. */
    public void observe(long step, double valLoss) {
        if (!Double.isFinite(valLoss) || valLoss < 0 || step <= lastStep) return;
        lastStep = step;
        if (peakStep < 0 || valLoss >= peakLoss) { // a new peak: the trend starts again from here
            peakStep = step;
            peakLoss = valLoss;
            evaluations = 0;
            Arrays.fill(linear, 0);
            Arrays.fill(logarithmic, 0);
            return;
        }
        double x = step - peakStep;
        double w = Math.pow(x, config.recencyPower());
        add(linear, w, x, valLoss);
        add(logarithmic, w, x, Math.log(Math.max(valLoss, 1e-12)));
        evaluations++;
    }

    private static void add(double[] s, double w, double x, double y) {
        s[0] += w;
        s[1] += w * x;
        s[2] += w * x * x;
        s[3] += w * y;
        s[4] += w * x * y;
    }

    /** The step of val loss's peak, where the trend starts; -1 before any evaluation. */
    public long peakStep() {
        return peakStep;
    }

    /** The forecast at {@code step} (the last one observed), or null before there is a trend to extrapolate. */
    public Estimate estimate(long step) {
        if (peakStep < 0 || evaluations < 3 || step - peakStep < config.minSpanSteps()) return null;
        double[] lin = fit(linear, step);
        double[] log = fit(logarithmic, step);
        if (lin == null || log == null) return null;
        double low = reach(step, lin, config.targetValLoss());
        double high = reach(step, log, Math.log(config.targetValLoss()));
        // The straight line reaches the target first when both fall; guard the order against noise.
        double early = Math.min(low, high), late = Math.max(low, high);
        double point = Double.isInfinite(late) ? Double.POSITIVE_INFINITY : Math.sqrt(early * late);
        if (Double.isInfinite(early)) point = Double.POSITIVE_INFINITY;
        return new Estimate(step, point, early, late, lin[0], lin[1]);
    }

    /** {value on the line at step, slope per step}, or null when the evaluations do not spread. */
    private double[] fit(double[] s, long step) {
        double mx = s[1] / s[0], my = s[3] / s[0];
        double vx = s[2] / s[0] - mx * mx, cxy = s[4] / s[0] - mx * my;
        if (!(vx > 0)) return null;
        double b = cxy / vx;
        return new double[] {my + b * ((step - peakStep) - mx), b};
    }

    private static double reach(long step, double[] line, double target) {
        if (line[0] <= target) return step;
        if (line[1] >= 0) return Double.POSITIVE_INFINITY;
        return step + (line[0] - target) / -line[1];
    }

    /** The forecast as an event, or null before there is a trend. Steps past {@code Long.MAX_VALUE / 2} are never. */
    public Forecast forecast(String run, long step, long time, Long budget) {
        Estimate e = estimate(step);
        if (e == null) return null;
        Long tVal = steps(e.tVal()), low = steps(e.low()), high = steps(e.high());
        if (low == null) tVal = null;
        if (tVal == null) high = null;
        String basis = String.format(
                Locale.ROOT,
                "val loss %.3g on its trend, %s since its peak %.3g at step %d; t_val where it reaches %.2g",
                e.trendLoss(),
                e.slope() < 0
                        ? String.format(Locale.ROOT, "falling %.3g per 1000 steps", -1000 * e.slope())
                        : "not falling",
                peakLoss,
                peakStep,
                config.targetValLoss());
        return new Forecast(run, step, time, budget, tVal, low, high, e.trendLoss(), basis);
    }

    private static Long steps(double v) {
        return Double.isFinite(v) && v < Long.MAX_VALUE / 2.0 ? Long.valueOf(Math.round(Math.ceil(v))) : null;
    }

    // ------------------------------------------------------------------ state

    /** The state as numbers, for the analyzer's changelog. */
    public double[] state() {
        double[] out = new double[STATE];
        out[0] = peakStep;
        out[1] = peakLoss;
        out[2] = evaluations;
        out[3] = lastStep;
        System.arraycopy(linear, 0, out, 4, SUMS);
        System.arraycopy(logarithmic, 0, out, 4 + SUMS, SUMS);
        return out;
    }

    /** A forecaster with the given {@link #state()}. */
    public static ValLossForecaster restore(Config config, double[] state) {
        if (state.length != STATE)
            throw new IllegalArgumentException("forecaster state has " + state.length + " numbers, expected " + STATE);
        ValLossForecaster f = new ValLossForecaster(config);
        f.peakStep = (long) state[0];
        f.peakLoss = state[1];
        f.evaluations = (long) state[2];
        f.lastStep = (long) state[3];
        System.arraycopy(state, 4, f.linear, 0, SUMS);
        System.arraycopy(state, 4 + SUMS, f.logarithmic, 0, SUMS);
        return f;
    }
}
