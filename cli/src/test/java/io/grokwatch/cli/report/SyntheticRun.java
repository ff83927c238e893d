package io.grokwatch.cli.report;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A made-up grokking run shaped like the published curves: train accuracy saturates around step
 * 30, validation jumps around step {@code grokStep}; the embeddings move from noise to a circle
 * on key frequencies 5 and 12 of Z_53 as validation rises. For report tests that need no trainer.
 */
final class SyntheticRun {
    static final int P = 53;
    static final int DIM = 16;
    static final int[] KEY_FREQUENCIES = {5, 12};

    private SyntheticRun() {}

    /** Step records every {@code every} steps up to {@code lastStep}, then snapshots every {@code snapshotEvery}. */
    static List<Event> events(String run, long lastStep, long every, long snapshotEvery, long grokStep) {
        List<Event> out = new ArrayList<>();
        long t0 = 1_700_000_000_000L;
        for (long s = 0; s <= lastStep; s += every) {
            double train = sigmoid((Math.log(s + 1) - Math.log(30)) * 4) * 0.99 + 0.01;
            double val = valAcc(s, grokStep);
            double norm = 40 - 25 * progress(s, grokStep) + 5 * sigmoid((Math.log(s + 1) - Math.log(30)) * 3);
            out.add(new StepRecord(
                    run,
                    s,
                    -Math.log(Math.max(train, 1e-6)) + 1e-4,
                    train,
                    -Math.log(Math.max(val, 1e-6)) + 1e-4,
                    val,
                    t0 + s * 5,
                    norm,
                    0.1 + s / (double) lastStep,
                    1.0,
                    0.03,
                    200.0));
        }
        Random noise = new Random(7);
        for (long s = 0; s <= lastStep; s += snapshotEvery) {
            out.add(snapshot(run, s, t0 + s * 5, progress(s, grokStep), noise));
        }
        return out;
    }

    static double valAcc(long s, long grokStep) {
        return Math.min(1.0, 1.0 / P + (1 - 1.0 / P) * progress(s, grokStep));
    }

    /** 0 before the jump, 1 after it, a steep sigmoid in log(step) around grokStep. */
    static double progress(long s, long grokStep) {
        return sigmoid((Math.log(s + 1) - Math.log(grokStep)) * 12);
    }

    private static EmbeddingSnapshot snapshot(String run, long step, long time, double structure, Random noise) {
        float[] data = new float[P * DIM];
        for (int i = 0; i < P; i++) {
            for (int c = 0; c < DIM; c++) {
                double clean = 0;
                if (c < 2 * KEY_FREQUENCIES.length) {
                    double angle = 2 * Math.PI * KEY_FREQUENCIES[c / 2] * i / P;
                    clean = (c % 2 == 0 ? Math.cos(angle) : Math.sin(angle)) * (c < 2 ? 1.0 : 0.6);
                }
                data[i * DIM + c] = (float) (structure * clean + (1 - structure) * 0.5 * noise.nextGaussian());
            }
        }
        return new EmbeddingSnapshot(run, step, time, "add", P, P, DIM, data);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
