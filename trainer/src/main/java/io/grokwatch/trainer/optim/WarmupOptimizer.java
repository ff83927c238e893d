package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What {@link AdamW} and {@link Sgd} share: the step count, the linearly warmed-up learning rate,
 * the checks of lr, weight decay and warmup, and the {@code "step"} entry of the exported state.
 */
abstract class WarmupOptimizer implements Optimizer {
    private final double lr;
    private final int warmupSteps;
    private long t;

    WarmupOptimizer(double lr, int warmupSteps) {
        this.lr = lr;
        this.warmupSteps = warmupSteps;
    }

    /** Updates {@code params} in place with learning rate {@code lr}; {@code stepsBefore} updates came earlier. */
    abstract void update(ParamSet params, double lr, long stepsBefore);

    /** Copies of the subclass's buffers, by name, into {@code state}. */
    abstract void exportBuffers(Map<String, INDArray> state);

    /** Restores the buffers {@link #exportBuffers} wrote. */
    abstract void importBuffers(Map<String, INDArray> state);

    @Override
    public final void step(ParamSet params) {
        update(params, learningRate(), t);
        t++;
    }

    @Override
    public final double learningRate() {
        return Optimizer.warmedUp(lr, warmupSteps, t);
    }

    @Override
    public final long steps() {
        return t;
    }

    @Override
    public final Map<String, INDArray> exportState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("step", Nd4j.createFromArray((double) t));
        exportBuffers(s);
        return s;
    }

    @Override
    public final void importState(Map<String, INDArray> state) {
        importBuffers(state);
        t = (long) Optimizer.require(state, "step", Nd4j.zeros(1)).getDouble(0);
    }

    /** A zero buffer with one element per parameter. */
    static INDArray zerosLike(ParamSet params) {
        INDArray p = params.flatValues();
        return Nd4j.zeros(p.dataType(), p.length());
    }

    static void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
        }
    }

    static void checkWeightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
    }

    static void checkWarmupSteps(int warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
    }
}
