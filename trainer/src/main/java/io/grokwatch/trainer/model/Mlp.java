package io.grokwatch.trainer.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Embedding MLP of simple-grokking (Liu et al.): shared embedding E, concat(E[a], E[b]) -> (Linear, ReLU)* -> Linear.
 *
 * <pre>{@code Mlp m = new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0L); INDArray logits = m.forward(batch); }</pre>
 *
 * <p>With {@code shards} K > 1, {@link #trainStep} splits a large batch into K contiguous row ranges and runs their
 * forward, loss and backward on K threads (the caller plus K - 1 pool threads), each range into its own buffers.
 * ND4J should then run single-threaded (Backend.threads(1)), each thread's ops on that thread. The per-token
 * layer-0 tables are made once before the split; the ranges' partial gradients are summed in range order, so a
 * given K gives the same bits run to run (but not the bits of another K). K = 1 is exactly forward then backward.
 */
public final class Mlp implements Model {

    /** Shape of the MLP; with no hidden layers the concatenated embedding maps straight to the logits. */
    public record Config(int vocab, int embedDim, List<Integer> hidden, int classes) {
        public Config {
            if (vocab < 2) {
                throw new IllegalArgumentException("vocab must be >= 2, got " + vocab);
            }
            if (embedDim < 1) {
                throw new IllegalArgumentException("embedDim must be >= 1, got " + embedDim);
            }
            if (classes < 2) {
                throw new IllegalArgumentException("classes must be >= 2, got " + classes);
            }
            hidden = List.copyOf(hidden);
            for (int h : hidden) {
                if (h < 1) {
                    throw new IllegalArgumentException("hidden sizes must be >= 1, got " + hidden);
                }
            }
        }

        /** Embedding(p,128), Linear(256,128), ReLU, Linear(128,p): simple-grokking's model for modulus p. */
        public static Config simpleGrokking(int p) {
            return new Config(p, 128, List.of(128), p);
        }
    }

    private final Config cfg;
    private final ParamSet params;
    private final int layers; // number of Linear layers
    private final int[] dims; // dims[0] = 2d, dims[i+1] = out of Linear i
    private final INDArray pTop; // E @ W0[:d] + b0   (V, h0)
    private final INDArray pBot; // E @ W0[d:]        (V, h0)
    private final INDArray dPTop;
    private final INDArray dPBot;
    private final INDArray w0Top; // W0[:d]  (d, h0) views
    private final INDArray w0Bot; // W0[d:]  (d, h0)
    private final INDArray gw0Top;
    private final INDArray gw0Bot;
    private final INDArray onesVocab; // (1, V)
    private final INDArray[] gradW; // gradW[i], gradB[i] for i >= 1: the gradients of layers >= 1 in params()
    private final INDArray[] gradB;
    private final Map<Integer, Work> work = new HashMap<>();
    private Work last;
    private Batch lastBatch;
    private final int shards;
    private int minRangeRows; // MIN_RANGE_CELLS over the cells per row, unless a test sets it
    private int rangesPerShard = RANGES_PER_SHARD;
    private final Map<Integer, Range[]> ranges = new HashMap<>(); // per batch size
    private final long tailOffset; // where layers.1.weight starts in the flat gradients: layers >= 1 follow contiguously
    private final long tailLength;

    /**
     * Least work per range, in activation cells (rows x (hidden widths + classes)): below it the hand-off to another
     * thread, the per-range table copies and the reduction cost more than the range saves. Measured on 2 cores
     * (README-backend.md): simple-grokking's shape (181 cells a row) gained at 842 rows a range, not at 700 or
     * fewer; mlp97's (353 a row) gained at 512 rows, not at 256.
     */
    static final int MIN_RANGE_CELLS = 1 << 17;

    /**
     * Row ranges per thread. More would let a thread that runs sooner take rows from one that was descheduled, but
     * each range costs its own table copies, partial tables and reduction: 2 per thread measured slower than 1 on 2
     * cores, idle and with a busy neighbour (README-backend.md). With 1, a pool thread that has not started when
     * the caller finishes its range still loses that range to the caller.
     */
    static final int RANGES_PER_SHARD = 1;

    /** Threads for the shards other than the caller's; daemon, shared by all models, idle ones exit after 60 s. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "mlp-shard-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    /** Buffers for one batch size, allocated once and reused every step. */
    private final class Work {
        final INDArray[] z = new INDArray[layers]; // pre-activations (none kept for layer 0 under a ReLU); z[layers-1] are the logits
        final INDArray[] mask = new INDArray[layers - 1]; // step(h): the ReLU derivative, made in backward
        final INDArray[] h = new INDArray[layers - 1]; // relu(z)
        final INDArray[] dz = new INDArray[layers - 1]; // dLoss/dz for the hidden layers
        final INDArray onesCol;
        final INDArray onesRow;

        Work(int n, DataType dt) {
            for (int i = 0; i < layers; i++) {
                z[i] = i == 0 && layers > 1 ? null : Nd4j.create(dt, n, dims[i + 1]);
                if (i < layers - 1) {
                    mask[i] = Nd4j.create(dt, n, dims[i + 1]);
                    h[i] = Nd4j.create(dt, n, dims[i + 1]);
                    dz[i] = Nd4j.create(dt, n, dims[i + 1]);
                }
            }
            onesCol = Nd4j.ones(dt, n, 1);
            onesRow = Nd4j.ones(dt, 1, n);
        }
    }

    /** One row range of a sharded step: its inputs, activations and partial gradients, reused every step. */
    private final class Range {
        final int from;
        final int n;
        final int[] a;
        final int[] b;
        final int[] labels;
        final Work wk;
        final INDArray dLogits; // (n, C)
        final INDArray tail; // partial grads of layers >= 1, laid out as in the flat gradients; range 0: that memory
        final INDArray[] gw; // gw[i], gb[i] for i >= 1: views of tail
        final INDArray[] gb;
        final INDArray dP; // (2 V h0): dPTop then dPBot, so the reduction is one add
        final INDArray dPTop;
        final INDArray dPBot;
        Loss.Result result;

        Range(int from, int to, boolean first, DataType dt) {
            this.from = from;
            this.n = to - from;
            this.a = new int[n];
            this.b = new int[n];
            this.labels = new int[n];
            this.wk = new Work(n, dt);
            this.dLogits = Nd4j.create(dt, n, cfg.classes());
            if (first) { // range 0 writes straight into the gradients; the others are added to it
                tail = tailLength == 0 ? null : params.flatGrads().get(NDArrayIndex.interval(tailOffset, tailOffset + tailLength));
                gw = gradW;
                gb = gradB;
            } else {
                tail = tailLength == 0 ? null : Nd4j.create(dt, tailLength);
                gw = new INDArray[layers];
                gb = new INDArray[layers];
                long off = 0;
                for (int i = 1; i < layers; i++) {
                    gw[i] = view(tail, off, dims[i], dims[i + 1]);
                    off += (long) dims[i] * dims[i + 1];
                    gb[i] = view(tail, off, 1, dims[i + 1]);
                    off += dims[i + 1];
                }
            }
            long table = (long) cfg.vocab() * dims[1];
            dP = Nd4j.create(dt, 2 * table);
            dPTop = view(dP, 0, cfg.vocab(), dims[1]);
            dPBot = view(dP, table, cfg.vocab(), dims[1]);
        }

        /** Forward, loss (a mean over all {@code total} rows of the batch) and, if finite, backward of this range. */
        void run(Batch batch, int[] allLabels, Loss loss, int total) {
            System.arraycopy(batch.a(), from, a, 0, n);
            System.arraycopy(batch.b(), from, b, 0, n);
            System.arraycopy(allLabels, from, labels, 0, n);
            INDArray logits = forwardRows(wk, a, b);
            result = loss.evaluate(logits, labels, dLogits, total);
            if (Double.isFinite(result.loss())) {
                backwardRows(wk, dLogits, a, b, gw, gb, dPTop, dPBot);
            }
        }
    }

    /** Rows [off, off + rows * cols) of a flat vector as a c-order (rows, cols) view. */
    private static INDArray view(INDArray flat, long off, long rows, long cols) {
        return flat.get(NDArrayIndex.interval(off, off + rows * cols)).reshape('c', rows, cols);
    }

    /** PyTorch default init: E ~ N(0,1); Linear weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public Mlp(Config cfg, DataType dtype, long seed) {
        this(cfg, dtype, seed, 1);
    }

    /**
     * @param shards how many threads {@link #trainStep} may split a batch across (the caller's included); 1 keeps
     *     every step on the caller, exactly as {@link #forward} then {@link #backward}
     */
    public Mlp(Config cfg, DataType dtype, long seed, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        this.shards = shards;
        this.cfg = cfg;
        this.layers = cfg.hidden().size() + 1;
        this.dims = new int[layers + 1];
        dims[0] = 2 * cfg.embedDim();
        for (int i = 0; i < cfg.hidden().size(); i++) {
            dims[i + 1] = cfg.hidden().get(i);
        }
        dims[layers] = cfg.classes();
        ParamSet.Builder b = ParamSet.builder().add("embed.weight", cfg.vocab(), cfg.embedDim());
        for (int i = 0; i < layers; i++) {
            // stored (in, out), the transpose of PyTorch's (out, in), so forward is x @ W
            b.add("layers." + i + ".weight", dims[i], dims[i + 1]).add("layers." + i + ".bias", 1, dims[i + 1]);
        }
        this.params = b.build(dtype);
        Random rng = new Random(seed);
        ParamSet.normal(params.value("embed.weight"), 1.0, rng);
        for (int i = 0; i < layers; i++) {
            double bound = 1.0 / Math.sqrt(dims[i]);
            ParamSet.uniform(params.value("layers." + i + ".weight"), bound, rng);
            ParamSet.uniform(params.value("layers." + i + ".bias"), bound, rng);
        }
        int d = cfg.embedDim();
        w0Top = params.rows("layers.0.weight", 0, d, false);
        w0Bot = params.rows("layers.0.weight", d, 2 * d, false);
        gw0Top = params.rows("layers.0.weight", 0, d, true);
        gw0Bot = params.rows("layers.0.weight", d, 2 * d, true);
        pTop = Nd4j.create(dtype, cfg.vocab(), dims[1]);
        pBot = Nd4j.create(dtype, cfg.vocab(), dims[1]);
        dPTop = Nd4j.create(dtype, cfg.vocab(), dims[1]);
        dPBot = Nd4j.create(dtype, cfg.vocab(), dims[1]);
        onesVocab = Nd4j.ones(dtype, 1, cfg.vocab());
        gradW = new INDArray[layers];
        gradB = new INDArray[layers];
        for (int i = 1; i < layers; i++) {
            gradW[i] = params.grad("layers." + i + ".weight");
            gradB[i] = params.grad("layers." + i + ".bias");
        }
        long before = 0;
        for (ParamSet.Param p : params.list()) {
            if (p.name().equals("layers.1.weight")) {
                break;
            }
            before += p.value().length();
        }
        this.tailOffset = before;
        this.tailLength = params.count() - before;
        int cellsPerRow = 0;
        for (int i = 1; i <= layers; i++) {
            cellsPerRow += dims[i];
        }
        this.minRangeRows = (MIN_RANGE_CELLS + cellsPerRow - 1) / cellsPerRow;
    }

    /** The configured thread count of a training step. */
    public int shards() {
        return shards;
    }

    /** Fewest rows a range may have: {@link #MIN_RANGE_CELLS} over this shape's cells per row. */
    public int minRangeRows() {
        return minRangeRows;
    }

    /** For tests: split batches down to this many rows per range. */
    void minRangeRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        }
        this.minRangeRows = rows;
    }

    /** For tests and measurements: row ranges per thread. */
    void rangesPerShard(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("ranges per shard must be >= 1, got " + k);
        }
        this.rangesPerShard = k;
    }

    /**
     * Row ranges a step of n rows is split into: shards x {@link #RANGES_PER_SHARD}, fewer if a range would have
     * under {@link #minRangeRows()} rows; 1 (no split) with one shard. The result's bits depend on this count only.
     */
    public int rangesFor(int n) {
        return shards == 1 ? 1 : Math.max(1, Math.min(shards * rangesPerShard, n / minRangeRows));
    }

    /** Threads a step of n rows runs on. */
    public int shardsFor(int n) {
        return Math.min(shards, rangesFor(n));
    }

    public Config config() {
        return cfg;
    }

    @Override
    public ParamSet params() {
        return params;
    }

    @Override
    public int classes() {
        return cfg.classes();
    }

    @Override
    public INDArray tokenEmbedding() {
        return params.value("embed.weight");
    }

    private INDArray w(int i) {
        return params.value("layers." + i + ".weight");
    }

    private INDArray bias(int i) {
        return params.value("layers." + i + ".bias");
    }

    @Override
    public INDArray forward(Batch batch) {
        OperandTokens.requireBelow(batch, cfg.vocab());
        int n = batch.size();
        Work wk = work.computeIfAbsent(n, k -> new Work(k, params.flatValues().dataType()));
        tables();
        INDArray logits = forwardRows(wk, batch.a(), batch.b());
        last = wk;
        lastBatch = batch;
        return logits;
    }

    /** pTop, pBot: layer 0's per-token tables for the current weights. */
    private void tables() {
        INDArray e = tokenEmbedding();
        // Layer 0 on concat(E[a], E[b]) equals E[a] @ W0[:d] + E[b] @ W0[d:]: multiply the (V, d) table once
        // and gather rows, instead of an (N, 2d) @ (2d, h0) gemm (~40x fewer flops for simple-grokking).
        Nd4j.gemm(e, w0Top, pTop, false, false, 1.0, 0.0); // (V, h0)
        Nd4j.gemm(e, w0Bot, pBot, false, false, 1.0, 0.0); // (V, h0)
        pTop.addiRowVector(bias(0)); // (V, h0): the bias rides along, every row of z0 gathers exactly one pTop row
    }

    /** The logits of rows (a, b) into wk, from the tables made by {@link #tables()}; reads the model, writes only wk. */
    private INDArray forwardRows(Work wk, int[] a, int[] b) {
        if (layers == 1) {
            Rows.gatherSum(pTop, a, pBot, b, wk.z[0], false); // (N, C): the logits
        } else {
            Rows.gatherSum(pTop, a, pBot, b, wk.h[0], true); // (N, h0) = relu(z0), in the same pass
        }
        for (int i = 0; i < layers - 1; i++) {
            if (i > 0) {
                Nd4j.exec(new RectifiedLinear(wk.z[i], wk.h[i], 0.0)); // (N, h_i)
            }
            Nd4j.gemm(wk.h[i], w(i + 1), wk.z[i + 1], false, false, 1.0, 0.0); // (N, h_{i+1})
            // bias as a rank-1 gemm: ones (N,1) @ b (1,h) accumulated; cheaper here than addiRowVector
            Nd4j.gemm(wk.onesCol, bias(i + 1), wk.z[i + 1], false, false, 1.0, 1.0); // (N, h_{i+1})
        }
        return wk.z[layers - 1];
    }

    @Override
    public void backward(INDArray dLogits) {
        if (last == null) {
            throw new IllegalStateException("backward called before forward");
        }
        backwardRows(last, dLogits, lastBatch.a(), lastBatch.b(), gradW, gradB, dPTop, dPBot);
        tableGrads(dPTop, dPBot);
    }

    /**
     * Backward through layers >= 1 of rows (a, b) forwarded into wk: their weight and bias gradients into gw[i],
     * gb[i] (overwritten), and dz0 scattered onto the (V, h0) tables dTop, dBot (overwritten). Writes only wk and
     * these arrays.
     */
    private void backwardRows(Work wk, INDArray dLogits, int[] a, int[] b, INDArray[] gw, INDArray[] gb,
            INDArray dTop, INDArray dBot) {
        INDArray dz = dLogits; // (N, C)
        for (int i = layers - 1; i >= 1; i--) {
            Nd4j.gemm(wk.h[i - 1], dz, gw[i], true, false, 1.0, 0.0); // (h_{i-1}, h_i)
            // bias grad = column sums of dz, as a gemm with a ones row (a row-sum reduction is ~30x slower here)
            Nd4j.gemm(wk.onesRow, dz, gb[i], false, false, 1.0, 0.0); // (1, h_i)
            Nd4j.gemm(dz, w(i), wk.dz[i - 1], false, true, 1.0, 0.0); // (N, h_{i-1})
            // ReLU backward as step(h) then a multiply (h > 0 exactly where z > 0): 0.17 ms vs 6 ms for
            // ThresholdReluBp on this VM, and branch-free, unlike a masked Java loop (3x slower on random signs).
            // Made here, not in forward, so evaluation-only forwards skip it.
            Nd4j.exec(new Step(wk.h[i - 1], wk.mask[i - 1], 0.0)); // (N, h_{i-1})
            wk.dz[i - 1].muli(wk.mask[i - 1]); // (N, h_{i-1})
            dz = wk.dz[i - 1];
        }
        // Mirror of the gathered forward: scatter dz0 rows back onto both (V, h0) tables in one pass.
        Rows.scatterAddTwo(dz, a, dTop, b, dBot); // (V, h0) x2
    }

    /** Embedding and layer-0 gradients from dLoss/dpTop and dLoss/dpBot, through the table gemms. */
    private void tableGrads(INDArray dTop, INDArray dBot) {
        INDArray e = tokenEmbedding();
        // Every row of z0 took exactly one pTop row, bias included: the bias grad is dPTop's column sum.
        Nd4j.gemm(onesVocab, dTop, params.grad("layers.0.bias"), false, false, 1.0, 0.0); // (1, h0)
        Nd4j.gemm(e, dTop, gw0Top, true, false, 1.0, 0.0); // (d, h0)
        Nd4j.gemm(e, dBot, gw0Bot, true, false, 1.0, 0.0); // (d, h0)
        INDArray ge = params.grad("embed.weight");
        Nd4j.gemm(dTop, w0Top, ge, false, true, 1.0, 0.0); // (V, d)
        Nd4j.gemm(dBot, w0Bot, ge, false, true, 1.0, 1.0); // (V, d)
    }

    /**
     * With one shard, or a batch too small to split ({@link #rangesFor}), this is forward, loss and backward on the
     * caller. Otherwise: the tables once; then the caller and shards - 1 pool threads claim row ranges in turn and
     * run each range's forward, loss and backward into that range's buffers; then the partial gradients are summed
     * in range order and the table gemms run once. Which thread ran a range does not change a bit of the result.
     * Leaves no forward for {@link #backward}.
     */
    @Override
    public Loss.Result trainStep(Batch batch, int[] labels, Loss loss, INDArray dLogits) {
        int n = batch.size();
        int k = rangesFor(n);
        if (k == 1) {
            return Model.super.trainStep(batch, labels, loss, dLogits);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for a batch of " + n);
        }
        for (int i = 0; i < n; i++) { // here, so that a message names the batch's row rather than a range's
            if (labels[i] < 0 || labels[i] >= cfg.classes()) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + cfg.classes() + ")");
            }
        }
        OperandTokens.requireBelow(batch, cfg.vocab());
        Range[] rs = ranges.get(n);
        if (rs == null || rs.length != k) {
            rs = split(n, k);
            ranges.put(n, rs);
        }
        last = null; // the ranges' activations are not a forward that backward() could use
        lastBatch = null;
        tables();
        Pass pass = new Pass(rs, batch, labels, loss);
        for (int t = 1; t < Math.min(shards, k); t++) {
            POOL.execute(pass::work);
        }
        pass.work();
        pass.await(); // every claimed range done, so none still writes its buffers when this returns or throws
        double total = 0;
        int correct = 0;
        for (Range r : rs) { // in range order, so the sum's rounding is the same every run
            total += r.result.loss();
            correct += r.result.correct();
        }
        Loss.Result r = new Loss.Result(total, correct, n);
        if (Double.isFinite(r.loss())) {
            for (int s = 1; s < k; s++) {
                if (tailLength > 0) {
                    rs[0].tail.addi(rs[s].tail); // range 0's tail is the gradient memory of layers >= 1
                }
                rs[0].dP.addi(rs[s].dP);
            }
            tableGrads(rs[0].dPTop, rs[0].dPBot);
        }
        return r;
    }

    /**
     * One step's ranges, claimed in order by whichever thread asks next. A pool thread that starts late (or after
     * the step) finds nothing left and returns; one that is descheduled holds up at most the range it claimed.
     */
    private static final class Pass {
        private final Range[] rs;
        private final Batch batch;
        private final int[] labels;
        private final Loss loss;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Pass(Range[] rs, Batch batch, int[] labels, Loss loss) {
            this.rs = rs;
            this.batch = batch;
            this.labels = labels;
            this.loss = loss;
            this.done = new CountDownLatch(rs.length);
        }

        void work() {
            for (int i = next.getAndIncrement(); i < rs.length; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        rs[i].run(batch, labels, loss, batch.size());
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        }

        /** Waits for every range, then rethrows the first failure. */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the ranges' buffers must be quiet before returning, so keep waiting
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable e = failure.get();
            if (e instanceof RuntimeException re) {
                throw re;
            } else if (e instanceof Error er) {
                throw er;
            } else if (e != null) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** K contiguous row ranges of an n-row batch, sizes differing by at most one. */
    private Range[] split(int n, int k) {
        DataType dt = params.flatValues().dataType();
        Range[] rs = new Range[k];
        for (int s = 0; s < k; s++) {
            rs[s] = new Range((int) ((long) n * s / k), (int) ((long) n * (s + 1) / k), s == 0, dt);
        }
        return rs;
    }
}
