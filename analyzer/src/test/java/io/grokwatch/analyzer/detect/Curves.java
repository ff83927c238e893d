package io.grokwatch.analyzer.detect;

import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/** Synthetic training curves for each final class, and ways to damage them like real logs are. */
final class Curves {
    private Curves() {}

    static final String RUN = "synthetic";

    /** Train fits by ~step 280; val sits at 0.05 until it jumps around step 4000 and passes 0.9 at ~4470. */
    static List<StepRecord> grokking() {
        return curve(0, 8000, 10, fit(), s -> 0.05 + 0.93 * sigmoid((s - 4000) / 200));
    }

    /** Train and val both pass 0.9 within a few hundred steps of each other. */
    static List<StepRecord> comprehension() {
        return curve(0, 3000, 10, fit(), s -> 0.05 + 0.94 * sigmoid((s - 500) / 40));
    }

    /** Train fits; val stays at 0.08. */
    static List<StepRecord> memorization() {
        return curve(0, 8000, 10, fit(), s -> 0.08);
    }

    /** Neither fits: train creeps to 0.5, val stays at 0.05. */
    static List<StepRecord> confusion() {
        return curve(0, 8000, 10, s -> 0.3 + 0.2 * (1 - Math.exp(-s / 1000)), s -> 0.05);
    }

    static DoubleUnaryOperator fit() {
        return s -> 0.02 + 0.98 * sigmoid((s - 200) / 25);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Evaluations every {@code every} steps in [from, to]; train loss falls as train accuracy rises. */
    static List<StepRecord> curve(long from, long to, long every, DoubleUnaryOperator train, DoubleUnaryOperator val) {
        List<StepRecord> out = new ArrayList<>();
        for (long s = from; s <= to; s += every) {
            double tr = train.applyAsDouble(s);
            double va = val.applyAsDouble(s);
            out.add(new StepRecord(
                    RUN,
                    s,
                    4.0 * (1 - tr) + 0.001,
                    tr,
                    4.0 * (1 - va) + 0.5,
                    va,
                    1_700_000_000_000L + s,
                    null,
                    null,
                    null,
                    null,
                    null));
        }
        return out;
    }

    /** The first step whose (raw) accuracy reaches the threshold, or null. */
    static Long firstAtOrAbove(List<StepRecord> steps, double threshold, boolean val) {
        for (StepRecord s : steps) {
            if ((val ? s.valAcc() : s.trainAcc()) >= threshold) return s.step();
        }
        return null;
    }

    /** The step of the n-th evaluation after {@code step} in the sequence. */
    static long evaluationAfter(List<StepRecord> steps, long step, int n) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).step() == step)
                return steps.get(Math.min(steps.size() - 1, i + n)).step();
        }
        throw new IllegalArgumentException("no evaluation at step " + step);
    }

    /** Gaussian noise of the given standard deviation on both accuracies (clamped) and train loss. */
    static List<StepRecord> noisy(List<StepRecord> steps, double sd, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<StepRecord> out = new ArrayList<>();
        for (StepRecord s : steps) {
            out.add(with(
                    s,
                    clamp(s.trainAcc() + sd * r.nextGaussian()),
                    clamp(s.valAcc() + sd * r.nextGaussian()),
                    s.trainLoss() * (1 + sd * r.nextGaussian())));
        }
        return out;
    }

    /** Single-evaluation spikes: val accuracy replaced at the given steps. */
    static List<StepRecord> spiked(List<StepRecord> steps, double value, long... at) {
        List<StepRecord> out = new ArrayList<>();
        for (StepRecord s : steps) {
            boolean hit = false;
            for (long a : at) hit |= s.step() == a;
            out.add(hit ? with(s, s.trainAcc(), value, s.trainLoss()) : s);
        }
        return out;
    }

    /** Drops a fraction of evaluations at random, and every evaluation strictly inside (gapFrom, gapTo). */
    static List<StepRecord> gappy(List<StepRecord> steps, double dropFraction, long gapFrom, long gapTo, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<StepRecord> out = new ArrayList<>();
        for (StepRecord s : steps) {
            boolean inGap = s.step() > gapFrom && s.step() < gapTo;
            if (!inGap && r.nextDouble() >= dropFraction) out.add(s);
        }
        return out;
    }

    /** Re-sends earlier records: after every {@code every}-th record, the {@code back} records before it again. */
    static List<StepRecord> withDuplicates(List<StepRecord> steps, int every, int back) {
        List<StepRecord> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(steps.get(i));
            if (i > 0 && i % every == 0) out.addAll(steps.subList(Math.max(0, i - back), i + 1));
        }
        return out;
    }

    /** Shuffles within consecutive blocks of {@code block} records (displacement < block). */
    static List<StepRecord> reordered(List<StepRecord> steps, int block, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<StepRecord> out = new ArrayList<>(steps);
        for (int start = 0; start < out.size(); start += block) {
            int end = Math.min(out.size(), start + block);
            for (int i = end - 1; i > start; i--) {
                int j = start + r.nextInt(i - start + 1);
                StepRecord t = out.get(i);
                out.set(i, out.get(j));
                out.set(j, t);
            }
        }
        return out;
    }

    static StepRecord with(StepRecord s, double trainAcc, double valAcc, double trainLoss) {
        return new StepRecord(
                s.run(),
                s.step(),
                trainLoss,
                trainAcc,
                s.valLoss(),
                valAcc,
                s.time(),
                s.weightNorm(),
                s.weightDistance(),
                s.gradNorm(),
                s.lr(),
                s.stepsPerSecond());
    }

    static double clamp(double x) {
        return Math.max(0, Math.min(1, x));
    }
}
