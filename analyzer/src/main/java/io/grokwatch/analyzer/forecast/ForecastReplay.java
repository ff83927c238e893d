package io.grokwatch.analyzer.forecast;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recorded run's forecasts made offline exactly as the live analyzer makes them (the same detector phases, the same
 * forecaster), and how far each was off; what {@code grokwatch forecast-eval} and the run report show.
 */
public final class ForecastReplay {
    private ForecastReplay() {}

    /**
     * One run's forecasts.
     *
     * @param tVal the detector's t_val over the whole run, null when it never reached it
     * @param budget the budget the forecasts were made against
     * @param forecasts in step order
     */
    public record RunForecasts(String run, Long tVal, Long tTrain, long budget, List<Forecast> forecasts) {

        /** The last forecast made at or before {@code step}, or null when there is none. */
        public Forecast madeBy(long step) {
            Forecast out = null;
            for (Forecast f : forecasts) {
                if (f.step() > step) break;
                out = f;
            }
            return out;
        }
    }

    /** The forecasts of one run; the budget is the run's when known, else its last recorded step. */
    public static RunForecasts of(RecordedRun run, DetectorConfig detector, ValLossForecaster.Config config) {
        TreeMap<Long, StepRecord> inOrder = new TreeMap<>();
        for (StepRecord s : run.steps()) inOrder.putIfAbsent(s.step(), s);
        long budget = run.budget() != null ? run.budget() : Math.max(1, inOrder.lastKey());
        RunDetector d = new RunDetector(run.steps().get(0).run(), detector);
        ValLossForecaster f = new ValLossForecaster(config);
        List<Forecast> out = new ArrayList<>();
        for (Map.Entry<Long, StepRecord> e : inOrder.entrySet()) {
            StepRecord s = e.getValue();
            long time = s.time() == null ? 0 : s.time();
            d.accept(s, time);
            f.observe(s.step(), s.valLoss());
            if (d.phase() != Phase.MEMORIZED && d.phase() != Phase.GENERALIZING) continue;
            Forecast fc = f.forecast(s.run(), s.step(), time, budget);
            if (fc != null) out.add(fc);
        }
        d.finish(0);
        var summary = d.summary();
        // forecasts after t_val (the detector confirms it a few evaluations late) are not forecasts any more
        if (summary.tVal() != null) out.removeIf(fc -> fc.step() >= summary.tVal());
        return new RunForecasts(run.name(), summary.tVal(), summary.tTrain(), budget, List.copyOf(out));
    }
}
