package io.grokwatch.trainer.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean classification loss over rows of logits, with accuracy and the gradient dLoss/dLogits.
 * Computed in double precision in one pass per row over the off-heap buffer: a row max and row sum in
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
        int n = (int) logits.rows();
        int c = (int) logits.columns();
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for " + n + " rows of logits");
        }
        if (dLogits != null && !java.util.Arrays.equals(dLogits.shape(), logits.shape())) {
            throw new IllegalArgumentException("dLogits shape " + java.util.Arrays.toString(dLogits.shape()) + " differs from logits");
        }
        boolean dbl = logits.dataType() == DataType.DOUBLE;
        DoubleBuffer ld = dbl ? logits.data().asNioDouble() : null;
        FloatBuffer lf = dbl ? null : logits.data().asNioFloat();
        int lb = dbl ? ld.position() : lf.position();
        DoubleBuffer gd = dLogits != null && dbl ? dLogits.data().asNioDouble() : null;
        FloatBuffer gf = dLogits != null && !dbl ? dLogits.data().asNioFloat() : null;
        int gb = gd != null ? gd.position() : gf != null ? gf.position() : 0;
        double[] row = new double[c];
        double total = 0;
        int correct = 0;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("label " + y + " at row " + i + " is outside [0, " + c + ")");
            }
            int arg = 0;
            for (int j = 0; j < c; j++) {
                row[j] = dbl ? ld.get(lb + i * c + j) : lf.get(lb + i * c + j);
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
                    row[j] = Math.exp(row[j] - max);
                    sum += row[j];
                }
                // -log softmax_y = log sum exp(x - max) - (x_y - max); never log(exp(..)), which underflows to -inf
                total += Math.log(sum) - (xy - max);
                if (dLogits != null) {
                    for (int j = 0; j < c; j++) {
                        double g = (row[j] / sum - (j == y ? 1 : 0)) * invN;
                        put(gd, gf, gb + i * c + j, g);
                    }
                }
            } else {
                double sy = s(row[y]);
                double dsy = ds(row[y]);
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += s(row[j]);
                }
                total += Math.log(sum) - Math.log(sy);
                if (dLogits != null) {
                    // d/dx_j [log sum s - log s(x_y)] = s'(x_j) / sum - [j == y] s'(x_y) / s(x_y)
                    for (int j = 0; j < c; j++) {
                        double g = (ds(row[j]) / sum - (j == y ? dsy / sy : 0)) * invN;
                        put(gd, gf, gb + i * c + j, g);
                    }
                }
            }
        }
        return new Result(total * invN, correct, n);
    }

    private static double s(double x) {
        return x >= 0 ? x + 1 : 1 / (1 - x);
    }

    private static double ds(double x) {
        return x >= 0 ? 1 : 1 / ((1 - x) * (1 - x));
    }

    private static void put(DoubleBuffer d, FloatBuffer f, int i, double v) {
        if (d != null) {
            d.put(i, v);
        } else {
            f.put(i, (float) v);
        }
    }
}
