package io.grokwatch.analyzer.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code asha[:METRIC[:R[:ETA]]]}, asynchronous successive halving (Li et al. 2018, as Optuna's
 * SuccessiveHalvingPruner and Ray Tune's ASHA run it): rungs at R, R*ETA, R*ETA^2, ... steps. A run reaches a rung
 * at its first evaluation at or past the rung's step and records METRIC there; it goes on only when its value is
 * among the top max(1, floor(n/ETA)) of the n values recorded at that rung so far, itself included (a value equal
 * to the cut-off goes on), else it stops. Runs reaching a rung at the same step are ranked together; later arrivals
 * compete with everything recorded before them, which is what makes it asynchronous.
 */
public record SuccessiveHalving(String spec, Metric metric, long r, long eta) implements AcrossRunPolicy {

    public SuccessiveHalving {
        if (r < 1) throw new IllegalArgumentException("policy '" + spec + "': R must be >= 1, got " + r);
        if (eta < 2) throw new IllegalArgumentException("policy '" + spec + "': ETA must be >= 2, got " + eta);
    }

    /** The step of rung k (0-based), saturating at Long.MAX_VALUE. */
    public long rung(int k) {
        long s = r;
        for (int i = 0; i < k; i++) {
            if (s > Long.MAX_VALUE / eta) return Long.MAX_VALUE;
            s *= eta;
        }
        return s;
    }

    @Override
    public Replay start() {
        Map<String, Integer> nextRung = new HashMap<>();
        List<List<Double>> recorded = new ArrayList<>();
        return (step, evaluations) -> {
            Map<String, List<Integer>> reached = new LinkedHashMap<>();
            for (Observation o : evaluations) {
                int k = nextRung.getOrDefault(o.run(), 0);
                double v = metric.of(o.step());
                while (step >= rung(k)) { // a sparse run may pass several rungs at one evaluation
                    while (recorded.size() <= k) recorded.add(new ArrayList<>());
                    recorded.get(k).add(Double.isNaN(v) ? metric.worst() : v);
                    reached.computeIfAbsent(o.run(), x -> new ArrayList<>()).add(k);
                    k++;
                }
                nextRung.put(o.run(), k);
            }
            Map<String, Stop> stops = new LinkedHashMap<>();
            for (Observation o : evaluations) {
                double v = metric.of(o.step());
                double value = Double.isNaN(v) ? metric.worst() : v;
                for (int k : reached.getOrDefault(o.run(), List.of())) {
                    List<Double> at = recorded.get(k);
                    long keep = Math.max(1, at.size() / eta);
                    long better = at.stream()
                            .filter(x -> metric.improves(x, value, 0))
                            .count();
                    if (better >= keep) {
                        stops.put(
                                o.run(),
                                new Stop(
                                        step,
                                        String.format(
                                                Locale.ROOT,
                                                "policy %s: %s %.6g at rung %d (step %d) is not in the top %d of %d",
                                                spec,
                                                metric.specName(),
                                                v,
                                                k,
                                                rung(k),
                                                keep,
                                                at.size()),
                                        null));
                        break;
                    }
                }
            }
            return stops;
        };
    }
}
