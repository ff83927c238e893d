package io.grokwatch.analyzer.forecast;

import io.grokwatch.analyzer.forecast.ForecastReplay.RunForecasts;
import io.grokwatch.events.Forecast;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The forecast scored on recorded runs: for a run that reached t_val, the relative error of the forecast made at
 * each lead (a share of t_val); for one that never did, whether the forecast at the same shares of the budget said
 * "not within the budget".
 */
public final class ForecastEvaluation {
    private ForecastEvaluation() {}

    /** The leads issue #13 asks for. */
    public static final double[] LEADS = {0.25, 0.5, 0.75};

    /**
     * One run at one lead.
     *
     * @param at the step the lead falls on (lead x t_val, or lead x budget for a run without t_val)
     * @param forecast the last forecast made by then, null when there was none yet
     * @param error (predicted - true) / true for a run with t_val; NaN without a forecast, +Inf for "never"
     * @param saysNotWithinBudget for a run without t_val: the forecast said it would not reach it within the budget
     */
    public record Score(
            String run, double lead, long at, Forecast forecast, double error, boolean saysNotWithinBudget) {}

    /** Per lead, over the runs that reached t_val and had a forecast by then. */
    public record LeadSummary(double lead, int runs, double medianAbsError, double worstAbsError, int within25) {}

    public static List<Score> score(List<RunForecasts> runs) {
        List<Score> out = new ArrayList<>();
        for (RunForecasts r : runs) {
            for (double lead : LEADS) {
                long at = (long) Math.floor(lead * (r.tVal() != null ? r.tVal() : r.budget()));
                Forecast f = r.madeBy(at);
                double error = Double.NaN;
                if (f != null && r.tVal() != null) {
                    error = f.tVal() == null ? Double.POSITIVE_INFINITY : (f.tVal() - r.tVal()) / (double) r.tVal();
                }
                boolean notWithin = f != null && !f.withinBudget();
                out.add(new Score(r.run(), lead, at, f, error, notWithin));
            }
        }
        return out;
    }

    public static List<LeadSummary> summarize(List<Score> scores) {
        List<LeadSummary> out = new ArrayList<>();
        for (double lead : LEADS) {
            double[] abs = scores.stream()
                    .filter(s -> s.lead() == lead && !Double.isNaN(s.error()))
                    .mapToDouble(s -> Math.abs(s.error()))
                    .sorted()
                    .toArray();
            int within = (int) Arrays.stream(abs).filter(e -> e <= 0.25).count();
            out.add(new LeadSummary(
                    lead,
                    abs.length,
                    abs.length == 0 ? Double.NaN : median(abs),
                    abs.length == 0 ? Double.NaN : abs[abs.length - 1],
                    within));
        }
        return out;
    }

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
