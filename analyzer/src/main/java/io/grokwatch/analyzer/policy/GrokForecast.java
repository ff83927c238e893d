package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.forecast.ValLossForecaster;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.StepRecord;
import java.util.Optional;

/**
 * The t_val forecast the grok-aware policy consults: one {@link Tracker} per run, fed every evaluation. {@link
 * #valLoss} is the analyzer's own forecast ({@link ValLossForecaster}, the one it publishes live); {@link #NONE}
 * never says anything.
 */
@FunctionalInterface
public interface GrokForecast {

    /** No forecast: never a verdict. */
    GrokForecast NONE = () -> (summary, step, budget) -> Optional.empty();

    /** Fresh forecast state for one run. */
    Tracker newRun();

    /** A tracker with a {@link Tracker#state()} written by one of this forecast's; by default a fresh one. */
    default Tracker restore(double[] state) {
        return newRun();
    }

    /** The forecast from the trend of val loss, with the analyzer's live settings. */
    static GrokForecast valLoss(ValLossForecaster.Config config) {
        return new ValLoss(config);
    }

    /** One run's forecast state. */
    interface Tracker {
        /** The forecast after this evaluation for a run of {@code budget} steps, or empty when there is none (yet). */
        Optional<Verdict> observe(RunSummary summary, StepRecord step, long budget);

        /** The state as numbers, for the live analyzer's changelog; empty when there is none. */
        default double[] state() {
            return new double[0];
        }
    }

    /**
     * A forecast and the step its trend starts at (val loss's peak): a trend only a few evaluations long is not
     * yet evidence.
     */
    record Verdict(Forecast forecast, long trendSince) {}

    /** {@link #valLoss}: a record, so that equal specs parse to equal policies. */
    record ValLoss(ValLossForecaster.Config config) implements GrokForecast {
        @Override
        public Tracker newRun() {
            return tracker(new ValLossForecaster(config));
        }

        @Override
        public Tracker restore(double[] state) {
            return tracker(ValLossForecaster.restore(config, state));
        }

        private static Tracker tracker(ValLossForecaster f) {
            return new Tracker() {
                @Override
                public Optional<Verdict> observe(RunSummary summary, StepRecord step, long budget) {
                    f.observe(step.step(), step.valLoss());
                    // Long.MAX_VALUE: no budget known yet
                    Forecast fc = f.forecast(step.run(), step.step(), 0, budget == Long.MAX_VALUE ? null : budget);
                    return fc == null ? Optional.empty() : Optional.of(new Verdict(fc, f.peakStep()));
                }

                @Override
                public double[] state() {
                    return f.state();
                }
            };
        }
    }
}
