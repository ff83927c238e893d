package io.grokwatch.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row gather and scatter-add by int index, as plain Java loops. Measured here for (1685, 128) rows:
 * ND4J's scatter_add op ~2.9 ms, a one-hot gemm ~3 ms, element-wise nio get/put ~1-2 ms, and bulk copies
 * into reused heap arrays with array loops a fraction of that. Arrays must be c-order with contiguous rows
 * (views are fine). Scratch arrays are per thread and grow to the largest operand seen.
 */
final class Rows {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[] f1 = new float[0];
        float[] f2 = new float[0];
        double[] d1 = new double[0];
        double[] d2 = new double[0];
    }

    private Rows() {}

    /** out[n] = table[idx[n]]. */
    static void gather(INDArray table, int[] idx, INDArray out) {
        int cols = check(table, out, idx.length);
        int tn = (int) table.length();
        int on = (int) out.length();
        Scratch s = SCRATCH.get();
        if (table.dataType() == DataType.DOUBLE) {
            double[] t = s.d1 = HeapArrays.grow(s.d1, tn);
            double[] o = s.d2 = HeapArrays.grow(s.d2, on);
            HeapArrays.read(table, t, 0, tn);
            for (int n = 0; n < idx.length; n++) {
                System.arraycopy(t, idx[n] * cols, o, n * cols, cols);
            }
            HeapArrays.write(out, o, 0, on);
        } else {
            float[] t = s.f1 = HeapArrays.grow(s.f1, tn);
            float[] o = s.f2 = HeapArrays.grow(s.f2, on);
            HeapArrays.read(table, t, 0, tn);
            for (int n = 0; n < idx.length; n++) {
                System.arraycopy(t, idx[n] * cols, o, n * cols, cols);
            }
            HeapArrays.write(out, o, 0, on);
        }
    }

    /** out[n] = ta[ia[n]] + tb[ib[n]], through a ReLU if asked, in one pass. */
    static void gatherSum(INDArray ta, int[] ia, INDArray tb, int[] ib, INDArray out, boolean relu) {
        int cols = check(ta, out, ia.length);
        check(tb, out, ib.length);
        int tn = (int) ta.length();
        int on = (int) out.length();
        Scratch s = SCRATCH.get();
        if (out.dataType() == DataType.DOUBLE) {
            double[] t = s.d1 = HeapArrays.grow(s.d1, 2 * tn);
            double[] o = s.d2 = HeapArrays.grow(s.d2, on);
            HeapArrays.read(ta, t, 0, tn);
            HeapArrays.read(tb, t, tn, tn);
            for (int n = 0; n < ia.length; n++) {
                int sa = ia[n] * cols;
                int sb = tn + ib[n] * cols;
                int dst = n * cols;
                for (int k = 0; k < cols; k++) {
                    double v = t[sa + k] + t[sb + k];
                    o[dst + k] = relu ? Math.max(v, 0.0) : v;
                }
            }
            HeapArrays.write(out, o, 0, on);
        } else {
            float[] t = s.f1 = HeapArrays.grow(s.f1, 2 * tn);
            float[] o = s.f2 = HeapArrays.grow(s.f2, on);
            HeapArrays.read(ta, t, 0, tn);
            HeapArrays.read(tb, t, tn, tn);
            for (int n = 0; n < ia.length; n++) {
                int sa = ia[n] * cols;
                int sb = tn + ib[n] * cols;
                int dst = n * cols;
                for (int k = 0; k < cols; k++) {
                    float v = t[sa + k] + t[sb + k];
                    o[dst + k] = relu ? Math.max(v, 0f) : v;
                }
            }
            HeapArrays.write(out, o, 0, on);
        }
    }

    /**
     * The mirror of {@link #gatherSum}: ta[ia[n]] += src[n] and tb[ib[n]] += src[n], both tables zeroed first,
     * in one pass over src.
     */
    static void scatterAddTwo(INDArray src, int[] ia, INDArray ta, int[] ib, INDArray tb) {
        if (src.dataType() == DataType.DOUBLE) { // double models (gradient checks): two scatters give the same sums
            scatterAdd(src, ia, ta, false);
            scatterAdd(src, ib, tb, false);
            return;
        }
        int cols = check(ta, src, ia.length);
        check(tb, src, ib.length);
        int tn = (int) ta.length();
        int sn = (int) src.length();
        Scratch s = SCRATCH.get();
        float[] t = s.f1 = HeapArrays.grow(s.f1, 2 * tn);
        float[] r = s.f2 = HeapArrays.grow(s.f2, sn);
        java.util.Arrays.fill(t, 0, 2 * tn, 0f);
        HeapArrays.read(src, r, 0, sn);
        for (int n = 0; n < ia.length; n++) {
            int da = ia[n] * cols;
            int db = tn + ib[n] * cols;
            int from = n * cols;
            for (int k = 0; k < cols; k++) {
                float g = r[from + k];
                t[da + k] += g;
                t[db + k] += g;
            }
        }
        HeapArrays.write(ta, t, 0, tn);
        HeapArrays.write(tb, t, tn, tn);
    }

    /** table[idx[n]] += src[n]; table is zeroed first unless accumulate. */
    static void scatterAdd(INDArray src, int[] idx, INDArray table, boolean accumulate) {
        int cols = check(table, src, idx.length);
        int tn = (int) table.length();
        int sn = (int) src.length();
        Scratch s = SCRATCH.get();
        if (table.dataType() == DataType.DOUBLE) {
            double[] t = s.d1 = HeapArrays.grow(s.d1, tn);
            double[] r = s.d2 = HeapArrays.grow(s.d2, sn);
            if (accumulate) {
                HeapArrays.read(table, t, 0, tn);
            } else {
                java.util.Arrays.fill(t, 0, tn, 0.0);
            }
            HeapArrays.read(src, r, 0, sn);
            for (int n = 0; n < idx.length; n++) {
                int dst = idx[n] * cols;
                int from = n * cols;
                for (int k = 0; k < cols; k++) {
                    t[dst + k] += r[from + k];
                }
            }
            HeapArrays.write(table, t, 0, tn);
        } else {
            float[] t = s.f1 = HeapArrays.grow(s.f1, tn);
            float[] r = s.f2 = HeapArrays.grow(s.f2, sn);
            if (accumulate) {
                HeapArrays.read(table, t, 0, tn);
            } else {
                java.util.Arrays.fill(t, 0, tn, 0f);
            }
            HeapArrays.read(src, r, 0, sn);
            for (int n = 0; n < idx.length; n++) {
                int dst = idx[n] * cols;
                int from = n * cols;
                for (int k = 0; k < cols; k++) {
                    t[dst + k] += r[from + k];
                }
            }
            HeapArrays.write(table, t, 0, tn);
        }
    }

    private static int check(INDArray table, INDArray rows, int n) {
        if (table.rank() != 2 || rows.rank() != 2 || table.columns() != rows.columns() || rows.rows() != n) {
            throw new IllegalArgumentException("shape mismatch: table " + java.util.Arrays.toString(table.shape())
                    + ", rows " + java.util.Arrays.toString(rows.shape()) + ", " + n + " indices");
        }
        if (table.dataType() != rows.dataType()) {
            throw new IllegalArgumentException("data types differ: " + table.dataType() + " vs " + rows.dataType());
        }
        for (INDArray a : new INDArray[] {table, rows}) {
            // a single row's stride(0) is arbitrary (ND4J reports 1 for shape (1, n))
            if (a.ordering() != 'c' || a.stride(1) != 1 || (a.rows() > 1 && a.stride(0) != a.columns())) {
                throw new IllegalArgumentException(
                        "array must be c-order with contiguous rows, strides " + java.util.Arrays.toString(a.stride()));
            }
        }
        return (int) table.columns();
    }
}
