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
    GrokForecast NONE = budget -> (summary, step) -> Optional.empty();

    /** Fresh forecast state for one run with the given step budget. */
    Tracker newRun(long budget);

    /** The forecast from the trend of val loss, with the analyzer's live settings. */
    static GrokForecast valLoss(ValLossForecaster.Config config) {
        return new ValLoss(config);
    }

    /** One run's forecast state. */
    interface Tracker {
        /** The forecast after this evaluation, or empty when there is none (yet). */
        Optional<Verdict> observe(RunSummary summary, StepRecord step);
    }

    /**
     * A forecast and the step its trend starts at (val loss's peak): a trend only a few evaluations long is not
     * yet evidence.
     */
    record Verdict(Forecast forecast, long trendSince) {}

    /** {@link #valLoss}: a record, so that equal specs parse to equal policies. */
    record ValLoss(ValLossForecaster.Config config) implements GrokForecast {
        @Override
        public Tracker newRun(long budget) {
            ValLossForecaster f = new ValLossForecaster(config);
            return (summary, step) -> {
                f.observe(step.step(), step.valLoss());
                Forecast fc = f.forecast(step.run(), step.step(), 0, budget);
                return fc == null ? Optional.empty() : Optional.of(new Verdict(fc, f.peakStep()));
            };
        }
    }
}
