package io.grokwatch.analyzer.policy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code median[:METRIC[:GRACE[:MIN_RUNS]]]}, the median stopping rule of Google Vizier (Golovin et al. 2017): at
 * an evaluation at step t >= GRACE, a run stops when its best METRIC so far is strictly worse than the median of the
 * other runs' running averages of METRIC over their evaluations up to t, once at least MIN_RUNS other runs have
 * evaluations. Runs that stopped or ended count with what they had. Non-finite values are left out of averages and
 * bests. All runs' evaluations at t are taken in before any decision at t, so the order of runs does not matter.
 */
public record MedianStopping(String spec, Metric metric, long grace, int minRuns) implements AcrossRunPolicy {

    public MedianStopping {
        if (grace < 0) throw new IllegalArgumentException("policy '" + spec + "': GRACE must be >= 0, got " + grace);
        if (minRuns < 1)
            throw new IllegalArgumentException("policy '" + spec + "': MIN_RUNS must be >= 1, got " + minRuns);
    }

    @Override
    public Replay start() {
        Map<String, double[]> runs = new LinkedHashMap<>(); // run -> {sum, count, best}
        return (step, evaluations) -> {
            for (Observation o : evaluations) {
                double[] r = runs.computeIfAbsent(o.run(), k -> new double[] {0, 0, metric.worst()});
                double v = metric.of(o.step());
                if (!Double.isFinite(v)) continue;
                r[0] += v;
                r[1]++;
                if (metric.improves(v, r[2], 0)) r[2] = v;
            }
            Map<String, Stop> stops = new HashMap<>();
            if (step < grace) return stops;
            for (Observation o : evaluations) {
                double[] averages = runs.entrySet().stream()
                        .filter(e -> !e.getKey().equals(o.run()) && e.getValue()[1] > 0)
                        .mapToDouble(e -> e.getValue()[0] / e.getValue()[1])
                        .toArray();
                if (averages.length < minRuns) continue;
                double median = median(averages);
                double best = runs.get(o.run())[2];
                if (metric.improves(median, best, 0)) { // the median beats the run's best: it is worse
                    stops.put(
                            o.run(),
                            new Stop(
                                    step,
                                    String.format(
                                            Locale.ROOT,
                                            "policy %s: best %s %.6g by step %d is worse than the median %.6g of %d"
                                                    + " other runs' running averages",
                                            spec,
                                            metric.specName(),
                                            best,
                                            step,
                                            median,
                                            averages.length),
                                    null));
                }
            }
            return stops;
        };
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
