package io.grokwatch.trainer.train;

import java.util.ArrayList;
import java.util.List;

/** Test listener: keeps every step and the first steps at which train and val reached a threshold. */
final class RunRecorder implements StepListener {
    final double threshold;
    final List<StepMetrics> steps = new ArrayList<>();
    final List<Long> snapshots = new ArrayList<>();
    long trainAt = -1;
    long valAt = -1;
    Outcome outcome;
    int finishes;

    RunRecorder(double threshold) {
        this.threshold = threshold;
    }

    @Override
    public void onStep(StepMetrics m) {
        steps.add(m);
        if (trainAt < 0 && m.trainAcc() >= threshold) {
            trainAt = m.step();
        }
        if (valAt < 0 && m.valAcc() >= threshold) {
            valAt = m.step();
        }
    }

    @Override
    public void onSnapshot(long step, float[][] embedding) {
        snapshots.add(step);
    }

    @Override
    public void onFinish(Outcome o) {
        outcome = o;
        finishes++;
    }
}
