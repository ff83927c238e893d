package io.grokwatch.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LayerNorm over the rows of an (R, d) matrix, with the caches its backward needs; row means are gemms with a ones column. */
final class LayerNorm {
    private static final double EPS = 1e-5; // PyTorch's default

    private final int d;
    final INDArray out; // (R, d) the last forward's output
    private final INDArray xhat; // (R, d)
    private final INDArray rstd; // (R, 1)
    private final INDArray col; // (R, 1) scratch
    private final INDArray tmp; // (R, d) scratch
    private final INDArray onesR; // (1, R)
    private final INDArray onesD; // (d, 1)
    private final INDArray onesDRow; // (1, d)

    LayerNorm(DataType dt, int r, int d) {
        this.d = d;
        xhat = Nd4j.create(dt, r, d);
        out = Nd4j.create(dt, r, d);
        rstd = Nd4j.create(dt, r, 1);
        col = Nd4j.create(dt, r, 1);
        tmp = Nd4j.create(dt, r, d);
        onesR = Nd4j.ones(dt, 1, r);
        onesD = Nd4j.ones(dt, d, 1);
        onesDRow = Nd4j.ones(dt, 1, d);
    }

    INDArray forward(INDArray x, INDArray w, INDArray b) {
        Nd4j.gemm(x, onesD, col, false, false, 1.0 / d, 0.0); // (R, 1) mean
        xhat.assign(x);
        Nd4j.gemm(col, onesDRow, xhat, false, false, -1.0, 1.0); // (R, d) x - mean
        Nd4j.gemm(tmp.assign(xhat).muli(xhat), onesD, rstd, false, false, 1.0 / d, 0.0); // (R, 1) var
        Transforms.sqrt(rstd.addi(EPS), false).rdivi(1.0); // (R, 1) 1/sqrt(var + eps)
        xhat.muliColumnVector(rstd); // (R, d)
        out.assign(xhat).muliRowVector(w).addiRowVector(b); // (R, d)
        return out;
    }

    /** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat ∘ xhat)), dxhat = dy ∘ w. Writes dx into dxOut. */
    void backward(INDArray dy, INDArray w, INDArray gw, INDArray gb, INDArray dxOut) {
        Nd4j.gemm(onesR, tmp.assign(dy).muli(xhat), gw, false, false, 1.0, 0.0); // (1, d)
        Nd4j.gemm(onesR, dy, gb, false, false, 1.0, 0.0); // (1, d)
        INDArray dxhat = tmp.assign(dy).muliRowVector(w); // (R, d)
        dxOut.assign(dxhat);
        Nd4j.gemm(dxhat, onesD, col, false, false, 1.0 / d, 0.0); // (R, 1) mean(dxhat)
        Nd4j.gemm(col, onesDRow, dxOut, false, false, -1.0, 1.0); // (R, d)
        Nd4j.gemm(dxhat.muli(xhat), onesD, col, false, false, 1.0 / d, 0.0); // (R, 1) mean(dxhat ∘ xhat)
        dxOut.subi(tmp.assign(xhat).muliColumnVector(col)); // (R, d)
        dxOut.muliColumnVector(rstd); // (R, d)
    }
}
