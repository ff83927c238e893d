package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Updates a {@link ParamSet} in place from its gradients; state is exportable for checkpoints. */
public interface Optimizer {
    /** Applies one update using the current gradients, then advances the step count. */
    void step(ParamSet params);

    /** Learning rate the next {@link #step} will use (after warmup). */
    double learningRate();

    /** Number of completed steps. */
    long steps();

    /** Copies of every state buffer plus {@code "step"} (a 1-element array), by name. */
    Map<String, INDArray> exportState();

    /** Restores buffers written by {@link #exportState} of an optimizer of the same kind and shape. */
    void importState(Map<String, INDArray> state);

    /** Linear warmup as PyTorch's LambdaLR(min(step / warmup, 1)): the first update uses lr 0 (Nanda et al.). */
    static double warmedUp(double lr, int warmupSteps, long step) {
        return warmupSteps <= 0 ? lr : lr * Math.min(1.0, (double) step / warmupSteps);
    }

    static INDArray require(Map<String, INDArray> state, String key, INDArray like) {
        INDArray a = state.get(key);
        if (a == null) {
            throw new IllegalArgumentException("optimizer state is missing " + key + "; has " + state.keySet());
        }
        if (a.length() != like.length()) {
            throw new IllegalArgumentException(
                    "optimizer state " + key + " has " + a.length() + " elements, expected " + like.length());
        }
        return a;
    }
}
