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

    /**
     * One training step's forward and backward: the mean loss and accuracy over the batch and, when the loss is
     * finite, every gradient in {@link #params()} (when it is not, the gradients are unspecified). This default is
     * forward, {@link Loss#evaluate}, backward; a model may split the rows across threads instead.
     *
     * @param dLogits (N, classes) scratch for dLoss/dLogits; its contents afterwards are unspecified
     */
    default Loss.Result trainStep(Batch batch, int[] labels, Loss loss, INDArray dLogits) {
        Loss.Result r = loss.evaluate(forward(batch), labels, dLogits);
        if (Double.isFinite(r.loss())) {
            backward(dLogits);
        }
        return r;
    }

    /** The token embedding matrix (vocab, d), a live view: snapshots must copy it. */
    INDArray tokenEmbedding();

    int classes();

    default long paramCount() {
        return params().count();
    }
}
