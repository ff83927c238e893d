package io.grokwatch.trainer.model;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_snrm2;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * K copies of simple-grokking's one-hidden-layer {@link Mlp} stacked in one buffer, each trained on its own rows.
 *
 * <pre>{@code MlpStack s = new MlpStack(Mlp.Config.simpleGrokking(53), new long[] {0, 1, 2}); s.trainStep(1, a, b, y, loss);}</pre>
 *
 * <p>Member k's parameters are segment k of one float32 buffer, laid out as Mlp's ParamSet (embed.weight,
 * layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias), and start at the values {@code new Mlp(shape,
 * FLOAT, seed_k)} draws. The maths is Mlp's, op for op (same gemms, same loss loop, same gather and scatter), but
 * the gemms call OpenBLAS's cblas_sgemm directly on the segments: ND4J's Nd4j.gemm costs ~45-70 µs per call before
 * any arithmetic, cblas_sgemm ~1 µs, and on the CPU backend both reach the same OpenBLAS routine, so the same
 * bits. Members are independent: different threads may step different members at once (each thread has its own
 * activation buffers); one member must not be stepped by two threads at once. CPU (nd4j-native) only.
 */
public final class MlpStack {
    static {
        Loader.load(openblas_nolapack.class); // the OpenBLAS that nd4j-native already loaded, through its own JNI
    }

    private final Mlp.Config shape;
    private final int members;
    private final int v; // vocab = table rows
    private final int d; // embedding width
    private final int h; // hidden width
    private final int c; // classes
    // offsets inside one member's segment, in Mlp's ParamSet order
    private final int offW0; // layers.0.weight (2d, h): rows [0, d) multiply E[a], rows [d, 2d) E[b]
    private final int offB0; // layers.0.bias (1, h)
    private final int offW1; // layers.1.weight (h, C)
    private final int offB1; // layers.1.bias (1, C)
    private final int p; // parameters per member
    private final FloatPointer values; // (K, P)
    private final FloatPointer grads; // (K, P)
    private final FloatPointer initial; // (K, P): the values at construction, for weightDistance
    private final FloatBuffer valuesBuf;
    private final FloatBuffer gradsBuf;
    private final ThreadLocal<Work> work = ThreadLocal.withInitial(Work::new);

    /**
     * @param shape an MLP with exactly one hidden layer
     * @param seeds one per member: member k starts where {@code new Mlp(shape, FLOAT, seeds[k])} starts
     */
    public MlpStack(Mlp.Config shape, long[] seeds) {
        if (shape.hidden().size() != 1) {
            throw new IllegalArgumentException(
                    "MlpStack supports MLPs with one hidden layer, got hidden " + shape.hidden());
        }
        if (seeds.length < 1) {
            throw new IllegalArgumentException("an MlpStack needs at least one member");
        }
        this.shape = shape;
        this.members = seeds.length;
        this.v = shape.vocab();
        this.d = shape.embedDim();
        this.h = shape.hidden().get(0);
        this.c = shape.classes();
        this.offW0 = v * d;
        this.offB0 = offW0 + 2 * d * h;
        this.offW1 = offB0 + h;
        this.offB1 = offW1 + h * c;
        this.p = offB1 + c;
        long total = (long) members * p;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(members + " members of " + p + " parameters exceed 2^31 floats");
        }
        values = zeros(total);
        grads = zeros(total);
        initial = zeros(total);
        valuesBuf = values.asBuffer();
        gradsBuf = grads.asBuffer();
        for (int k = 0; k < members; k++) {
            // Mlp's own initialization, so member k and a lone Mlp of the same seed start from the same bits
            float[] init = new Mlp(shape, DataType.FLOAT, seeds[k])
                    .params()
                    .flatValues()
                    .toFloatVector();
            if (init.length != p) {
                throw new IllegalStateException("Mlp has " + init.length + " parameters, MlpStack expected " + p);
            }
            valuesBuf.put(k * p, init);
            initial.asBuffer().put(k * p, init);
        }
    }

    private static FloatPointer zeros(long n) {
        FloatPointer fp = new FloatPointer(n);
        fp.fill(0);
        return fp;
    }

    public Mlp.Config shape() {
        return shape;
    }

    public int members() {
        return members;
    }

    /** Parameters of one member. */
    public int paramCount() {
        return p;
    }

    /** Member k's segment of a (K, P) buffer, at element {@code off} of it. */
    private static FloatPointer at(FloatPointer base, long off) {
        return new FloatPointer(base).position(base.position() + off);
    }

    /** Activation buffers of one thread, grown to the most rows it has seen; off-heap for BLAS, heap for loops. */
    private final class Work {
        int rows;
        FloatPointer hid; // (N, h) relu(z0)
        FloatPointer logits; // (N, C), then dLoss/dLogits
        FloatPointer dHid; // (N, h)
        FloatPointer ones; // (N) ones: bias terms as rank-1 gemms, as Mlp does
        float[] hidHeap = new float[0]; // (N, h)
        float[] logitsHeap = new float[0]; // (N, C)
        float[] dHidHeap = new float[0]; // (N, h)
        final FloatPointer tTop = zeros((long) v * h); // pTop = E W0[:d] + b0 (V, h), then dLoss/dpTop
        final FloatPointer tBot = zeros((long) v * h); // pBot = E W0[d:] (V, h), then dLoss/dpBot
        final FloatPointer diff = zeros(p); // (P) values - initial
        final float[] topHeap = new float[v * h]; // pTop (heap), then its gradient
        final float[] botHeap = new float[v * h]; // pBot (heap), then its gradient

        void ensure(int n) {
            if (n <= rows) {
                return;
            }
            rows = n;
            hid = zeros((long) n * h);
            logits = zeros((long) n * c);
            dHid = zeros((long) n * h);
            ones = zeros(n);
            FloatBuffer o = ones.asBuffer();
            for (int i = 0; i < n; i++) {
                o.put(i, 1f);
            }
            hidHeap = new float[n * h];
            logitsHeap = new float[n * c];
            dHidHeap = new float[n * h];
        }
    }

    private void checkMember(int k) {
        if (k < 0 || k >= members) {
            throw new IndexOutOfBoundsException("member " + k + " outside [0, " + members + ")");
        }
    }

    private void checkRows(int[] a, int[] b, int[] labels) {
        if (a.length != b.length || labels.length != a.length) {
            throw new IllegalArgumentException(
                    "rows disagree: " + a.length + " a, " + b.length + " b, " + labels.length + " labels");
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] < 0 || a[i] >= v || b[i] < 0 || b[i] >= v) {
                throw new IllegalArgumentException(
                        "operand at row " + i + " (" + a[i] + ", " + b[i] + ") is outside [0, " + v + ")");
            }
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException(
                        "label " + labels[i] + " at row " + i + " is outside [0, " + c + ")");
            }
        }
    }

    /**
     * Member k's forward, loss and (when the loss is finite) backward on rows (a, b) with these labels: the mean
     * loss and accuracy, and every gradient of member k in its grads segment. Mlp.trainStep with one shard.
     */
    public Loss.Result trainStep(int k, int[] a, int[] b, int[] labels, Loss loss) {
        checkMember(k);
        checkRows(a, b, labels);
        Work w = work.get();
        int n = a.length;
        w.ensure(Math.max(n, v)); // ones serve as (1, N) and (1, V)
        long base = (long) k * p;
        tables(w, base);
        forwardRows(w, base, a, b);
        Loss.Result r = loss.evaluate(w.logitsHeap, n, c, labels, true, n); // dLoss/dLogits replaces the logits
        if (!Double.isFinite(r.loss())) {
            return r; // as Mlp: gradients unspecified
        }
        w.logits.asBuffer().put(0, w.logitsHeap, 0, n * c);
        FloatPointer g = at(grads, base);
        FloatPointer val = at(values, base);
        // layer 1: dW1 = h^T dz, db1 = ones^T dz, dh = dz W1^T
        cblas_sgemm(
                CblasRowMajor,
                CblasTrans,
                CblasNoTrans,
                h,
                c,
                n,
                1f,
                w.hid,
                h,
                w.logits,
                c,
                0f,
                at(g, offW1),
                c); // (h, C)
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                1,
                c,
                n,
                1f,
                w.ones,
                n,
                w.logits,
                c,
                0f,
                at(g, offB1),
                c); // (1, C)
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasTrans,
                n,
                h,
                c,
                1f,
                w.logits,
                c,
                at(val, offW1),
                c,
                0f,
                w.dHid,
                h); // (N, h)
        // ReLU backward, dh * step(h) as Mlp: h = max(z0, 0) >= 0 and, scaled by 2^149 (twice, to stay in range)
        // and capped at 1, gives exactly step(h) in {0, 1}, even for the least subnormal. A branch (h > 0 ? 1 : 0)
        // mispredicts on random signs (~1 ms a step here); min and multiply vectorize (~0.05 ms).
        float[] dh = w.dHidHeap;
        float[] hh = w.hidHeap;
        w.dHid.asBuffer().get(0, dh, 0, n * h);
        for (int i = 0; i < n * h; i++) {
            dh[i] = dh[i] * Math.min(hh[i] * 0x1p100f * 0x1p49f, 1f); // (N, h)
        }
        // dz0 scattered onto both tables, rows in order (Rows.scatterAddTwo's sums); one loop per table vectorizes
        float[] top = w.topHeap;
        float[] bot = w.botHeap;
        java.util.Arrays.fill(top, 0f);
        java.util.Arrays.fill(bot, 0f);
        for (int i = 0; i < n; i++) {
            int from = i * h;
            int da = a[i] * h;
            int db = b[i] * h;
            for (int j = 0; j < h; j++) {
                top[da + j] += dh[from + j];
            }
            for (int j = 0; j < h; j++) {
                bot[db + j] += dh[from + j];
            }
        }
        w.tTop.asBuffer().put(0, top, 0, v * h); // dLoss/dpTop (V, h)
        w.tBot.asBuffer().put(0, bot, 0, v * h); // dLoss/dpBot (V, h)
        // layer 0 and the embedding through the tables: Mlp.tableGrads
        FloatPointer e = val;
        FloatPointer w0Top = at(val, offW0); // (d, h)
        FloatPointer w0Bot = at(val, offW0 + (long) d * h); // (d, h)
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                1,
                h,
                v,
                1f,
                w.ones,
                v,
                w.tTop,
                h,
                0f,
                at(g, offB0),
                h); // (1, h)
        cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, d, h, v, 1f, e, d, w.tTop, h, 0f, at(g, offW0), h); // (d, h)
        cblas_sgemm(
                CblasRowMajor,
                CblasTrans,
                CblasNoTrans,
                d,
                h,
                v,
                1f,
                e,
                d,
                w.tBot,
                h,
                0f,
                at(g, offW0 + (long) d * h),
                h); // (d, h)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, v, d, h, 1f, w.tTop, h, w0Top, h, 0f, g, d); // (V, d)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, v, d, h, 1f, w.tBot, h, w0Bot, h, 1f, g, d); // (V, d)
        return r;
    }

    /** Member k's mean loss and accuracy on rows (a, b), forward only; gradients untouched. */
    public Loss.Result evaluate(int k, int[] a, int[] b, int[] labels, Loss loss) {
        checkMember(k);
        checkRows(a, b, labels);
        Work w = work.get();
        w.ensure(a.length);
        long base = (long) k * p;
        tables(w, base);
        forwardRows(w, base, a, b);
        return loss.evaluate(w.logitsHeap, a.length, c, labels, false, a.length);
    }

    /** pTop = E W0[:d] + b0 and pBot = E W0[d:] of member k, into w.tTop, w.tBot and (heap) w.topHeap, w.botHeap. */
    private void tables(Work w, long base) {
        FloatPointer val = at(values, base);
        // concat(E[a], E[b]) W0 = E[a] W0[:d] + E[b] W0[d:]: two (V, d) (d, h) gemms, then gathers (see Mlp.tables)
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                v,
                h,
                d,
                1f,
                val,
                d,
                at(val, offW0),
                h,
                0f,
                w.tTop,
                h); // (V, h)
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                v,
                h,
                d,
                1f,
                val,
                d,
                at(val, offW0 + (long) d * h),
                h,
                0f,
                w.tBot,
                h); // (V, h)
        float[] top = w.topHeap;
        w.tTop.asBuffer().get(0, top, 0, v * h);
        w.tBot.asBuffer().get(0, w.botHeap, 0, v * h);
        float[] b0 = new float[h];
        valuesBuf.get((int) base + offB0, b0, 0, h);
        for (int r = 0; r < v; r++) { // + b0 on every pTop row, as Mlp's addiRowVector (float adds)
            for (int j = 0; j < h; j++) {
                top[r * h + j] += b0[j];
            }
        }
    }

    /** Logits of rows (a, b) into w.logitsHeap (and relu(z0) into w.hid, w.hidHeap), from the heap tables. */
    private void forwardRows(Work w, long base, int[] a, int[] b) {
        int n = a.length;
        float[] top = w.topHeap;
        float[] bot = w.botHeap;
        float[] hh = w.hidHeap;
        for (int i = 0; i < n; i++) { // Rows.gatherSum: z0 = pTop[a] + pBot[b] ...
            int sa = a[i] * h;
            int sb = b[i] * h;
            int dst = i * h;
            for (int j = 0; j < h; j++) {
                hh[dst + j] = top[sa + j] + bot[sb + j];
            }
        }
        for (int i = 0; i < n * h; i++) { // ... then its ReLU, in a second pass: 2.5x faster than fused here
            hh[i] = Math.max(hh[i], 0f); // (N, h)
        }
        w.hid.asBuffer().put(0, hh, 0, n * h);
        FloatPointer val = at(values, base);
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                n,
                c,
                h,
                1f,
                w.hid,
                h,
                at(val, offW1),
                c,
                0f,
                w.logits,
                c); // (N, C)
        // bias as the rank-1 gemm ones (N,1) b1 (1,C) accumulated, as Mlp does
        cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                n,
                c,
                1,
                1f,
                w.ones,
                1,
                at(val, offB1),
                c,
                1f,
                w.logits,
                c); // (N, C)
        w.logits.asBuffer().get(0, w.logitsHeap, 0, n * c);
    }

    /** L2 norm of member k's parameters (cblas_snrm2, as the Trainer's weightNorm). */
    public double weightNorm(int k) {
        checkMember(k);
        return cblas_snrm2(p, at(values, (long) k * p), 1);
    }

    /** L2 norm of member k's initial parameters. */
    public double initialNorm(int k) {
        checkMember(k);
        return cblas_snrm2(p, at(initial, (long) k * p), 1);
    }

    /** ‖W - W0‖ of member k (not yet divided by ‖W0‖). */
    public double distanceFromInitial(int k) {
        checkMember(k);
        Work w = work.get();
        FloatBuffer diff = w.diff.asBuffer();
        FloatBuffer init = initial.asBuffer();
        int base = k * p;
        for (int i = 0; i < p; i++) {
            diff.put(i, valuesBuf.get(base + i) - init.get(base + i));
        }
        return cblas_snrm2(p, w.diff, 1);
    }

    /** L2 norm of member k's gradients. */
    public double gradNorm(int k) {
        checkMember(k);
        return cblas_snrm2(p, at(grads, (long) k * p), 1);
    }

    /** Copies member k's parameters into {@code to[0, P)}. */
    public void readValues(int k, float[] to) {
        checkMember(k);
        valuesBuf.get(k * p, to, 0, p);
    }

    /** Member k's parameters = {@code from[0, P)}. */
    public void writeValues(int k, float[] from) {
        checkMember(k);
        valuesBuf.put(k * p, from, 0, p);
    }

    /** Copies member k's gradients into {@code to[0, P)}. */
    public void readGrads(int k, float[] to) {
        checkMember(k);
        gradsBuf.get(k * p, to, 0, p);
    }

    /** Member k's token embedding (V, d), a copy. */
    public float[][] tokenEmbedding(int k) {
        checkMember(k);
        float[][] e = new float[v][d];
        for (int r = 0; r < v; r++) {
            valuesBuf.get(k * p + r * d, e[r], 0, d);
        }
        return e;
    }
}
