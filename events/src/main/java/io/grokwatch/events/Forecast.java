package io.grokwatch.events;

/**
 * The analyzer's forecast of a run's t_val, made at one evaluation while the run is memorized and has not reached
 * t_val yet. The point estimate and its interval are steps; each is null when, at the current trend, the run never
 * gets there (val loss is not falling).
 *
 * @param step the evaluation the forecast was made at
 * @param time epoch millis at which it was made
 * @param budget the run's step budget (its configured steps), null when unknown
 * @param tVal the predicted t_val, null for never
 * @param low the earliest t_val the forecast allows (val loss falling on in a straight line), null for never
 * @param high the latest (val loss falling on exponentially), null for never
 * @param valLoss the val loss the forecast extrapolates from (its trend line's value at {@code step})
 * @param basis a one-line human description of what the forecast rests on
 */
public record Forecast(
        String run, long step, long time, Long budget, Long tVal, Long low, Long high, double valLoss, String basis)
        implements Event {

    public Forecast {
        Check.run(run);
        Check.nonNegative("step", step);
        Check.nonNegative("time", time);
        if (budget != null && Check.nonNegative("budget", budget) == 0)
            throw new InvalidEventException("budget", "must be > 0, got 0");
        atOrAfter("tVal", tVal, step);
        atOrAfter("low", low, step);
        atOrAfter("high", high, step);
        // low <= tVal <= high, where null (never) comes after every step
        if (tVal != null && low == null) throw new InvalidEventException("low", "is never but tVal is " + tVal);
        if (tVal == null && high != null) throw new InvalidEventException("tVal", "is never but high is " + high);
        if (tVal != null && low > tVal)
            throw new InvalidEventException("low", "must be at or before tVal " + tVal + ", got " + low);
        if (tVal != null && high != null && tVal > high)
            throw new InvalidEventException("high", "must be at or after tVal " + tVal + ", got " + high);
        basis = basis == null ? "" : basis;
    }

    private static void atOrAfter(String field, Long v, long step) {
        if (v != null && Check.nonNegative(field, v) < step)
            throw new InvalidEventException(
                    field, "a forecast t_val must be at or after its step " + step + ", got " + v);
    }

    /** True when the run is predicted to reach t_val within its budget (false when the budget is unknown). */
    public boolean withinBudget() {
        return budget != null && tVal != null && tVal <= budget;
    }

    /** True when even the earliest t_val the forecast allows is past the budget (false when it is unknown). */
    public boolean surelyPastBudget() {
        return budget != null && (low == null || low > budget);
    }
}
