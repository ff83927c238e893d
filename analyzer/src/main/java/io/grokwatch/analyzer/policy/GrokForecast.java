package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Optional;

/**
 * Extension point for the grok-aware policy: a forecast of a run's t_val, made while it is memorized. grokwatch has
 * no forecast yet (issue #13 describes one); until it does, {@link #NONE} says nothing and the grok-aware policy
 * never stops a run on a forecast.
 */
@FunctionalInterface
public interface GrokForecast {

    /** No forecast: never a verdict. */
    GrokForecast NONE = (summary, step) -> Optional.empty();

    /** The forecast after this evaluation, or empty when there is none (yet). */
    Optional<Verdict> forecast(RunSummary summary, StepRecord step);

    /**
     * A forecast.
     *
     * @param tVal the predicted t_val, or null when the run is predicted not to reach it within the budget
     * @param budget the step budget the forecast was made against
     */
    record Verdict(Long tVal, long budget) {

        /** True when the run is predicted to reach t_val within the budget. */
        public boolean groksWithinBudget() {
            return tVal != null && tVal <= budget;
        }
    }
}
