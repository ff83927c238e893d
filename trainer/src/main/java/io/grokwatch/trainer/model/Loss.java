package io.grokwatch.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean classification loss over rows of logits, with accuracy and the gradient dLoss/dLogits.
 * Computed in double precision in one pass per row over a heap copy of the logits: a row max and row sum in
 * ND4J are separate reductions of ~0.2-0.4 ms each here, the whole loop is ~1 ms for (1685, 53).
 */
public enum Loss {
    /** Softmax cross-entropy, log-sum-exp with the row max subtracted. */
    CROSS_ENTROPY,
    /**
     * StableMax cross-entropy (Prieto et al. 2025): p_i = s(x_i) / sum_j s(x_j), s(x) = x + 1 for x >= 0,
     * 1 / (1 - x) for x < 0. Grows linearly instead of exponentially, so it does not saturate in float32.
     */
    STABLEMAX;

    /** Mean loss and number of rows whose argmax (first on ties) is the label. */
    public record Result(double loss, int correct, int n) {
        public double accuracy() {
            return (double) correct / n;
        }
    }

    public static Loss parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "cross_entropy", "ce", "softmax" -> CROSS_ENTROPY;
            case "stablemax" -> STABLEMAX;
            default -> throw new IllegalArgumentException("loss must be cross_entropy or stablemax, got '" + s + "'");
        };
    }

    /**
     * @param logits (N, C), c-order, contiguous
     * @param labels N class ids in [0, C)
     * @param dLogits (N, C) to receive dLoss/dLogits of the mean loss, or null to skip the gradient
     */
    public Result evaluate(INDArray logits, int[] labels, INDArray dLogits) {
        return evaluate(logits, labels, dLogits, (int) logits.rows());
    }

    /**
     * The loss summed over these rows and divided by {@code meanOver} instead of their count, with the gradient
     * scaled to match: a shard of a batch passes the whole batch's row count, so the shards' results add up to
     * the batch's mean (losses, gradients and correct counts sum; {@link Result#n()} is this shard's rows).
     *
     * @param meanOver the row count of the mean, >= 1
     */
    public Result evaluate(INDArray logits, int[] labels, INDArray dLogits, int meanOver) {
        if (meanOver < 1) {
            throw new IllegalArgumentException("meanOver must be >= 1, got " + meanOver);
        }
        int n = (int) logits.rows();
        int c = (int) logits.columns();
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for " + n + " rows of logits");
        }
        if (dLogits != null && !java.util.Arrays.equals(dLogits.shape(), logits.shape())) {
            throw new IllegalArgumentException(
                    "dLogits shape " + java.util.Arrays.toString(dLogits.shape()) + " differs from logits");
        }
        boolean dbl = logits.dataType() == DataType.DOUBLE;
        int len = n * c;
        // One bulk copy off-heap -> heap and back: element-wise nio get/put costs more than the arithmetic.
        Scratch sc = SCRATCH.get();
        double[] xd = null;
        float[] xf = null;
        if (dbl) {
            HeapArrays.read(logits, xd = sc.doubles(len), 0, len);
        } else {
            HeapArrays.read(logits, xf = sc.floats(len), 0, len);
        }
        Result r = rows(xd, xf, n, c, labels, dLogits != null, meanOver, sc);
        if (dLogits != null) {
            if (dbl) {
                HeapArrays.write(dLogits, xd, 0, len);
            } else {
                HeapArrays.write(dLogits, xf, 0, len);
            }
        }
        return r;
    }

    /**
     * {@link #evaluate(INDArray, int[], INDArray, int)} on a heap copy of float logits: x holds n rows of c logits
     * (row-major) and, with {@code grad}, receives dLoss/dLogits in their place. For models that keep their rows on
     * the heap ({@link MlpStack}); the same arithmetic as the INDArray path, so the same bits.
     */
    Result evaluate(float[] x, int n, int c, int[] labels, boolean grad, int meanOver) {
        if (meanOver < 1) {
            throw new IllegalArgumentException("meanOver must be >= 1, got " + meanOver);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for " + n + " rows of logits");
        }
        return rows(null, x, n, c, labels, grad, meanOver, SCRATCH.get());
    }

    /** The per-row loop over double (xd) or float (xf) logits; the gradient, if asked, overwrites the logits. */
    private Result rows(double[] xd, float[] xf, int n, int c, int[] labels, boolean grad, int meanOver, Scratch sc) {
        boolean dbl = xd != null;
        double[] row = sc.row(c);
        double total = 0;
        int correct = 0;
        double invN = 1.0 / meanOver;
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("label " + y + " at row " + i + " is outside [0, " + c + ")");
            }
            int off = i * c;
            int arg = 0;
            for (int j = 0; j < c; j++) {
                row[j] = dbl ? xd[off + j] : xf[off + j];
                if (row[j] > row[arg]) {
                    arg = j;
                }
            }
            if (arg == y) {
                correct++;
            }
            double max = row[arg];
            double xy = row[y];
            if (this == CROSS_ENTROPY) {
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    row[j] = dbl ? Math.exp(row[j] - max) : expNonPositive(row[j] - max);
                    sum += row[j];
                }
                // -log softmax_y = log sum exp(x - max) - (x_y - max); never log(exp(..)), which underflows to -inf
                total += Math.log(sum) - (xy - max);
                if (grad) {
                    double scale = invN / sum;
                    for (int j = 0; j < c; j++) {
                        row[j] *= scale;
                    }
                    row[y] -= invN;
                }
            } else {
                double sy = s(row[y]);
                double dsy = ds(row[y]);
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += s(row[j]);
                }
                total += Math.log(sum) - Math.log(sy);
                if (grad) {
                    // d/dx_j [log sum s - log s(x_y)] = s'(x_j) / sum - [j == y] s'(x_y) / s(x_y)
                    for (int j = 0; j < c; j++) {
                        row[j] = (ds(row[j]) / sum - (j == y ? dsy / sy : 0)) * invN;
                    }
                }
            }
            if (grad) { // the gradient overwrites the row's logits in the scratch copy
                for (int j = 0; j < c; j++) {
                    if (dbl) {
                        xd[off + j] = row[j];
                    } else {
                        xf[off + j] = (float) row[j];
                    }
                }
            }
        }
        return new Result(total * invN, correct, n);
    }

    /** Per-thread heap copies of the logits, grown to the largest batch seen. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        private float[] f = new float[0];
        private double[] d = new double[0];
        private double[] row = new double[0];

        float[] floats(int n) {
            return f = HeapArrays.grow(f, n);
        }

        double[] doubles(int n) {
            return d = HeapArrays.grow(d, n);
        }

        double[] row(int n) {
            return row = HeapArrays.grow(row, n);
        }
    }

    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 0.6931471803691238; // ln 2 split so that k * LN2_HI is exact
    private static final double LN2_LO = 1.9082149292705877e-10;

    /**
     * e^x for x <= 0, to ~1e-10 relative error: far below float32's 6e-8, at a third of Math.exp's cost (10 ns
     * here, which made the exponentials most of the loss's time). x = k ln2 + r, |r| <= ln2/2; e^r by its
     * degree-9 Taylor polynomial; 2^k through the exponent bits. Float logits only; doubles keep Math.exp.
     */
    static double expNonPositive(double x) {
        if (!(x > -700)) {
            return x != x ? x : 0.0; // NaN stays NaN; below -700 the result is under float's least subnormal anyway
        }
        double kd = Math.rint(x * LOG2E);
        double r = (x - kd * LN2_HI) - kd * LN2_LO;
        double p = 1
                + r
                        * (1
                                + r
                                        * (1.0 / 2
                                                + r
                                                        * (1.0 / 6
                                                                + r
                                                                        * (1.0 / 24
                                                                                + r
                                                                                        * (1.0 / 120
                                                                                                + r
                                                                                                        * (1.0 / 720
                                                                                                                + r
                                                                                                                        * (1.0
                                                                                                                                        / 5040
                                                                                                                                + r
                                                                                                                                        * (1.0
                                                                                                                                                        / 40320
                                                                                                                                                + r
                                                                                                                                                        * (1.0
                                                                                                                                                                / 362880)))))))));
        return p * Double.longBitsToDouble((long) ((int) kd + 1023) << 52);
    }

    private static double s(double x) {
        return x >= 0 ? x + 1 : 1 / (1 - x);
    }

    private static double ds(double x) {
        return x >= 0 ? 1 : 1 / ((1 - x) * (1 - x));
    }
}
