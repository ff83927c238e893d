package io.grokwatch.analyzer.bench;

import io.grokwatch.events.FinalClass;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic step sequences shaped like real runs (logistic accuracy curves plus a little
 * noise), for the analyzer's tests and benchmark: the same arguments give the same records.
 *
 * <pre>{@code
 * List<StepRecord> steps = SyntheticRuns.steps("run-7", SyntheticRuns.Shape.GROKKING, 400, 7);
 * }</pre>
 */
public final class SyntheticRuns {
    private SyntheticRuns() {}

    /** The kind of run; {@link #expected} is its class under the default detector thresholds. */
    public enum Shape {
        /** Train fits by ~step 300 of 4000, validation jumps at ~2700. */
        GROKKING(FinalClass.GROKKING),
        /** Both fit together around step 500. */
        COMPREHENSION(FinalClass.COMPREHENSION),
        /** Train fits, validation never does. */
        MEMORIZATION(FinalClass.MEMORIZATION),
        /** Neither fits. */
        CONFUSION(FinalClass.CONFUSION);

        public final FinalClass expected;

        Shape(FinalClass expected) {
            this.expected = expected;
        }
    }

    /** Steps every run spans, so the shapes (and the classes) do not depend on the record count. */
    public static final int SPAN_STEPS = 4000;

    /**
     * {@code evaluations} (2..4000) records of one run, evenly spaced over {@link #SPAN_STEPS}
     * steps: at steps 0, every, 2*every, ... with {@code every = 4000 / evaluations}.
     */
    public static List<StepRecord> steps(String run, Shape shape, int evaluations, long seed) {
        if (evaluations < 2 || evaluations > SPAN_STEPS) {
            throw new IllegalArgumentException("evaluations must be in 2.." + SPAN_STEPS + ", got " + evaluations);
        }
        int every = SPAN_STEPS / evaluations;
        SplittableRandom rnd = new SplittableRandom(seed);
        List<StepRecord> out = new ArrayList<>(evaluations);
        for (int i = 0; i < evaluations; i++) {
            long step = (long) i * every;
            double x = step;
            double train;
            double val;
            switch (shape) {
                case GROKKING -> {
                    train = curve(x, 0.02, 1.0, 250, 40);
                    val = curve(x, 0.02, 0.99, 2700, 120);
                }
                case COMPREHENSION -> {
                    train = curve(x, 0.02, 1.0, 450, 60);
                    val = curve(x, 0.02, 0.98, 520, 60);
                }
                case MEMORIZATION -> {
                    train = curve(x, 0.02, 1.0, 250, 40);
                    val = curve(x, 0.02, 0.07, 1500, 300);
                }
                default -> {
                    train = curve(x, 0.02, 0.5, 2000, 500);
                    val = curve(x, 0.02, 0.3, 2000, 500);
                }
            }
            train = clamp(train + rnd.nextDouble(-0.01, 0.01));
            val = clamp(val + rnd.nextDouble(-0.01, 0.01));
            double trainLoss = -Math.log(Math.max(train, 1e-3)) + 0.01;
            double valLoss = -Math.log(Math.max(val, 1e-3)) + 0.01;
            out.add(StepRecord.of(run, step, trainLoss, train, valLoss, val));
        }
        return out;
    }

    private static double curve(double x, double lo, double hi, double mid, double width) {
        return lo + (hi - lo) / (1 + Math.exp(-(x - mid) / width));
    }

    private static double clamp(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    /**
     * {@code n} runs named prefix0, prefix1, ..., their shapes taking turns in {@link Shape} order,
     * run i seeded {@code firstSeed + i}; in name order.
     */
    public static Map<String, List<StepRecord>> runs(String prefix, int n, int evaluations, long firstSeed) {
        Shape[] shapes = Shape.values();
        Map<String, List<StepRecord>> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String run = prefix + i;
            out.put(run, steps(run, shapes[i % shapes.length], evaluations, firstSeed + i));
        }
        return out;
    }

    /** The runs' records round-robin, one from each run in turn, as concurrent trainers would send them. */
    public static List<StepRecord> interleave(Map<String, List<StepRecord>> runs) {
        List<Iterator<StepRecord>> its = new ArrayList<>();
        runs.values().forEach(l -> its.add(l.iterator()));
        List<StepRecord> out = new ArrayList<>();
        boolean any = true;
        while (any) {
            any = false;
            for (Iterator<StepRecord> it : its) {
                if (it.hasNext()) {
                    out.add(it.next());
                    any = true;
                }
            }
        }
        return out;
    }
}
