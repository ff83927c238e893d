package io.grokwatch.trainer.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A hand-differentiated model: {@link #forward} caches activations, {@link #backward} overwrites every
 * gradient in {@link #params()}. Not thread-safe; buffers are reused across calls with the same batch size.
 */
public interface Model {
    ParamSet params();

    /** Logits (N, classes); valid until the next forward with the same batch size. */
    INDArray forward(Batch batch);

    /** Gradients of the loss for the last forward, given dLoss/dLogits (N, classes). */
    void backward(INDArray dLogits);

    /** The token embedding matrix (vocab, d), a live view: snapshots must copy it. */
    INDArray tokenEmbedding();

    int classes();

    default long paramCount() {
        return params().count();
    }
}
