package io.grokwatch.cli.report.sweep;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.cli.report.ReportWriter;
import io.grokwatch.cli.report.RunRecords;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Job;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a sweep's report shows, computed from its records with the analyzer's offline detector: one {@link
 * SweepRun} per run, the grid's axes, and one {@link Cell} per grid point with the seeds aggregated.
 *
 * <pre>{@code
 * SweepSummary s = SweepSummary.of(records, DetectorConfig.defaults(), List.of());
 * s.cells().forEach(c -> System.out.println(c.x() + "," + c.y() + ": " + c.majority()));
 * }</pre>
 *
 * @param axes the axes the diagram is drawn over (at most two): the grid's first two axes (see {@link #gridOrder}),
 *     or the ones asked for
 * @param aggregated the point's other settings, aggregated in the cells like the seeds
 * @param budget the step budget: the largest {@code steps} in the runs' configs, else the last step recorded
 * @param fixedSteps the steps at which validation accuracy is compared across widths
 * @param runs every run, by run id
 * @param cells every combination of axis values, the first axis varying fastest
 */
public record SweepSummary(
        String sweep,
        List<Axis> axes,
        List<String> aggregated,
        long budget,
        List<Long> fixedSteps,
        List<SweepRun> runs,
        List<Cell> cells) {

    /** Shares of the budget at which validation accuracy is compared (model-wise grokking, Davies et al. 2023). */
    public static final double[] FIXED_FRACTIONS = {0.25, 0.5, 1.0};

    /** The point key of the run's seed, which is aggregated, never an axis. */
    public static final String SEED = "seed";

    public SweepSummary {
        axes = List.copyOf(axes);
        aggregated = List.copyOf(aggregated);
        fixedSteps = List.copyOf(fixedSteps);
        runs = List.copyOf(runs);
        cells = List.copyOf(cells);
    }

    /**
     * Summarises a sweep.
     *
     * @param axisNames the settings to draw the diagram over (at most two); empty for the grid's first two axes
     * @throws IllegalArgumentException when an asked-for axis is not a setting of the sweep's points
     */
    public static SweepSummary of(SweepRecords records, DetectorConfig detector, List<String> axisNames) {
        if (axisNames.size() > 2)
            throw new IllegalArgumentException("a sweep diagram has at most two axes, got " + axisNames);
        Map<String, Map<String, Object>> points = new LinkedHashMap<>();
        for (String run : records.runIds()) points.put(run, fullPoint(records, run));
        Set<String> names = new LinkedHashSet<>();
        points.values()
                .forEach(p -> p.keySet().stream().filter(k -> !k.equals(SEED)).forEach(names::add));
        for (String a : axisNames) {
            if (!names.contains(a)) {
                throw new IllegalArgumentException(
                        "sweep '" + records.sweep() + "' has no axis '" + a + "'; its points vary " + names);
            }
        }
        List<String> chosen = new ArrayList<>(axisNames);
        for (String n : gridOrder(names, points)) if (chosen.size() < 2 && axisNames.isEmpty()) chosen.add(n);
        List<String> aggregated =
                names.stream().filter(n -> !chosen.contains(n)).toList();

        long budget = budget(records);
        List<Long> fixed = new ArrayList<>();
        if (budget > 0) {
            for (double f : FIXED_FRACTIONS) {
                long s = Math.round(budget * f);
                if (!fixed.contains(s)) fixed.add(s);
            }
        }
        List<SweepRun> runs = new ArrayList<>();
        points.forEach((run, point) -> runs.add(summarise(records, run, point, detector, fixed)));

        List<Axis> axes = new ArrayList<>();
        for (String n : chosen) {
            List<Object> values = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            for (SweepRun r : runs) {
                Object v = r.point().get(n);
                if (v != null && seen.add(Axis.key(v))) values.add(v);
            }
            values.sort(Axis::compare);
            axes.add(new Axis(n, values));
        }
        return new SweepSummary(records.sweep(), axes, aggregated, budget, fixed, runs, cells(axes, runs, fixed));
    }

    /** The width axis (MLP hidden or dModel) among the diagram's axes, if there is one. */
    public Optional<Axis> widthAxis() {
        return axes.stream().filter(Axis::isWidth).findFirst();
    }

    /** How many runs have each final class, in {@link FinalClass} order (classes with none left out). */
    public Map<FinalClass, Integer> classCounts() {
        Map<FinalClass, Integer> counts = new EnumMap<>(FinalClass.class);
        for (SweepRun r : runs) if (r.finalClass() != null) counts.merge(r.finalClass(), 1, Integer::sum);
        return counts;
    }

    /** The cell at the given axis indices. */
    public Cell cell(int x, int y) {
        for (Cell c : cells) if (c.x() == x && c.y() == y) return c;
        throw new IllegalArgumentException("no cell at " + x + "," + y);
    }

    /**
     * The point's settings in the grid's axis order. The records' key order cannot be trusted (JSON encoders may
     * sort keys), but run indices can: a sweep numbers its points with the last axis varying fastest, so across
     * runs in index order the first axis changes least often. Ties keep the records' order.
     */
    static List<String> gridOrder(Set<String> names, Map<String, Map<String, Object>> pointsByIndex) {
        Map<String, Integer> changes = new LinkedHashMap<>();
        for (String n : names) {
            int c = 0;
            String previous = null;
            for (Map<String, Object> p : pointsByIndex.values()) {
                Object v = p.get(n);
                String k = v == null ? "" : Axis.key(v);
                if (previous != null && !previous.equals(k)) c++;
                previous = k;
            }
            changes.put(n, c);
        }
        List<String> ordered = new ArrayList<>(names);
        ordered.sort(Comparator.comparingInt(changes::get));
        return ordered;
    }

    // ---------------------------------------------------------------- runs

    /** The run's point as run_started carries it, else as its job does, with the seed. */
    private static Map<String, Object> fullPoint(SweepRecords records, String run) {
        RunRecords r = records.runs().get(run);
        if (r != null
                && r.started() != null
                && r.started().config().get(SweepRecords.POINT_KEY) instanceof Map<?, ?> m) {
            Map<String, Object> p = new LinkedHashMap<>();
            m.forEach((k, v) -> p.put(String.valueOf(k), v));
            return p;
        }
        Job j = records.jobs().get(run);
        return j == null ? Map.of() : j.point();
    }

    private static long budget(SweepRecords records) {
        long budget = 0;
        for (RunRecords r : records.runs().values()) {
            if (r.started() != null && r.started().config().get("steps") instanceof Number n)
                budget = Math.max(budget, n.longValue());
        }
        for (Job j : records.jobs().values()) {
            if (j.config().get("steps") instanceof Number n) budget = Math.max(budget, n.longValue());
        }
        if (budget > 0) return budget;
        for (RunRecords r : records.runs().values()) {
            if (!r.steps().isEmpty())
                budget = Math.max(budget, r.steps().get(r.steps().size() - 1).step());
        }
        return budget;
    }

    private static SweepRun summarise(
            SweepRecords records,
            String run,
            Map<String, Object> fullPoint,
            DetectorConfig detector,
            List<Long> fixed) {
        Map<String, Object> point = new LinkedHashMap<>(fullPoint);
        Object seedValue = point.remove(SEED);
        RunRecords r = records.runs().get(run);
        Long seed = seedValue instanceof Number n
                ? (Long) n.longValue()
                : r != null && r.started() != null ? r.started().provenance().seed() : null;
        String status;
        if (r == null || r.started() == null && r.steps().isEmpty()) {
            status = SweepRun.MISSING;
        } else if (r.finished() != null) {
            status = r.finished().status().name().toLowerCase(Locale.ROOT);
        } else {
            status = SweepRun.RUNNING;
        }
        if (r == null || r.steps().isEmpty()) {
            return new SweepRun(run, point, seed, status, null, null, null, null, -1, null, Map.of(), null);
        }
        List<StepRecord> steps = r.steps();
        RunSummary s = OfflineClassifier.classify(steps, detector);
        StepRecord last = steps.get(steps.size() - 1);
        // A finished run that stopped early (stop-after-grok) keeps its last accuracy; a running one has not got there.
        boolean carry = r.finished() != null;
        Map<Long, Double> at = new LinkedHashMap<>();
        for (long f : fixed) {
            if (last.step() < f && !carry) continue;
            StepRecord atOrBefore = null;
            for (StepRecord step : steps) {
                if (step.step() > f) break;
                atOrBefore = step;
            }
            if (atOrBefore != null) at.put(f, atOrBefore.valAcc());
        }
        return new SweepRun(
                run,
                point,
                seed,
                status,
                s.finalClass(),
                s.tTrain(),
                s.tVal(),
                s.delay(),
                last.step(),
                last.valAcc(),
                at,
                "runs/" + ReportWriter.fileName(run));
    }

    // ---------------------------------------------------------------- cells

    private static List<Cell> cells(List<Axis> axes, List<SweepRun> runs, List<Long> fixed) {
        int nx = axes.isEmpty() ? 1 : axes.get(0).values().size();
        int ny = axes.size() < 2 ? 1 : axes.get(1).values().size();
        List<Cell> out = new ArrayList<>();
        for (int y = 0; y < ny; y++) {
            for (int x = 0; x < nx; x++) {
                List<SweepRun> here = new ArrayList<>();
                for (SweepRun r : runs) if (at(axes, r, x, y)) here.add(r);
                out.add(cell(x, y, here, fixed));
            }
        }
        return out;
    }

    private static boolean at(List<Axis> axes, SweepRun r, int x, int y) {
        for (int a = 0; a < axes.size(); a++) {
            Object v = r.point().get(axes.get(a).name());
            if (v == null || axes.get(a).indexOf(v) != (a == 0 ? x : y)) return false;
        }
        return true;
    }

    private static Cell cell(int x, int y, List<SweepRun> runs, List<Long> fixed) {
        Map<FinalClass, Integer> counts = new EnumMap<>(FinalClass.class);
        List<Long> tTrain = new ArrayList<>();
        List<Long> tVal = new ArrayList<>();
        List<Long> delay = new ArrayList<>();
        int classified = 0;
        for (SweepRun r : runs) {
            if (r.finalClass() == null) continue;
            classified++;
            counts.merge(r.finalClass(), 1, Integer::sum);
            if (r.tTrain() != null) tTrain.add(r.tTrain());
            if (r.tVal() != null) tVal.add(r.tVal());
            if (r.delay() != null) delay.add(r.delay());
        }
        FinalClass majority = null;
        int best = 0;
        for (Map.Entry<FinalClass, Integer> e : counts.entrySet()) {
            if (e.getValue() > best) {
                best = e.getValue();
                majority = e.getKey();
            }
        }
        Map<Long, Double> acc = new LinkedHashMap<>();
        for (long f : fixed) {
            List<Double> v = new ArrayList<>();
            for (SweepRun r : runs)
                if (r.valAccAt().containsKey(f)) v.add(r.valAccAt().get(f));
            if (!v.isEmpty()) acc.put(f, median(v));
        }
        return new Cell(
                x,
                y,
                runs,
                majority,
                best,
                classified,
                Cell.Median.of(tTrain, classified),
                Cell.Median.of(tVal, classified),
                Cell.Median.of(delay, classified),
                acc);
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
