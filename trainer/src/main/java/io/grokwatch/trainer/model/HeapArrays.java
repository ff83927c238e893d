package io.grokwatch.trainer.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bulk copies between an ND4J array's off-heap buffer and Java heap arrays, and growing scratch arrays. */
public final class HeapArrays {
    // One bulk copy each way, then plain array loops: element-wise nio get/put, and short ND4J ops with their
    // per-op overhead, cost more here than the arithmetic they would do (Rows, Loss and AdamW measure it).

    private HeapArrays() {}

    /** to[at, at + len) = the first len elements of x's buffer (x c-order and contiguous, views included). */
    public static void read(INDArray x, float[] to, int at, int len) {
        FloatBuffer b = x.data().asNioFloat();
        b.get(b.position(), to, at, len);
    }

    /** to[at, at + len) = the first len elements of x's buffer (x c-order and contiguous, views included). */
    public static void read(INDArray x, double[] to, int at, int len) {
        DoubleBuffer b = x.data().asNioDouble();
        b.get(b.position(), to, at, len);
    }

    /** The first len elements of x's buffer = from[at, at + len). */
    public static void write(INDArray x, float[] from, int at, int len) {
        FloatBuffer b = x.data().asNioFloat();
        b.put(b.position(), from, at, len);
    }

    /** The first len elements of x's buffer = from[at, at + len). */
    public static void write(INDArray x, double[] from, int at, int len) {
        DoubleBuffer b = x.data().asNioDouble();
        b.put(b.position(), from, at, len);
    }

    /** a if it holds n, else a new array of n (contents not kept: scratch is overwritten before it is read). */
    public static float[] grow(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    /** a if it holds n, else a new array of n (contents not kept: scratch is overwritten before it is read). */
    public static double[] grow(double[] a, int n) {
        return a.length >= n ? a : new double[n];
    }
}
