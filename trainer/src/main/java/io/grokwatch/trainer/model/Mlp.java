package io.grokwatch.trainer.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embedding MLP of simple-grokking (Liu et al.): shared embedding E, concat(E[a], E[b]) -> (Linear, ReLU)* -> Linear.
 *
 * <pre>{@code Mlp m = new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0L); INDArray logits = m.forward(batch); }</pre>
 *
 * <p>With {@code shards} K > 1, {@link #trainStep} splits a large batch into contiguous row ranges on K threads
 * ({@link MlpShards}); a given K gives the same bits run to run. K = 1 is exactly forward then backward.
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

    // layers, dims, gradW, gradB, newWork and the *Rows, table methods are package-private for MlpShards
    private final Config cfg;
    private final ParamSet params;
    final int layers; // number of Linear layers
    final int[] dims; // dims[0] = 2d, dims[i+1] = out of Linear i
    private final INDArray pTop; // E @ W0[:d] + b0   (V, h0)
    private final INDArray pBot; // E @ W0[d:]        (V, h0)
    private final INDArray dPTop;
    private final INDArray dPBot;
    private final INDArray w0Top; // W0[:d]  (d, h0) views
    private final INDArray w0Bot; // W0[d:]  (d, h0)
    private final INDArray gw0Top;
    private final INDArray gw0Bot;
    private final INDArray onesVocab; // (1, V)
    final INDArray[] gradW; // gradW[i], gradB[i] for i >= 1: the gradients of layers >= 1 in params()
    final INDArray[] gradB;
    private final Map<Integer, Work> work = new HashMap<>();
    private Work last;
    private Batch lastBatch;
    private final MlpShards sharded;

    /** See {@link MlpShards#MIN_RANGE_CELLS}. */
    static final int MIN_RANGE_CELLS = MlpShards.MIN_RANGE_CELLS;

    /** See {@link MlpShards#RANGES_PER_SHARD}. */
    static final int RANGES_PER_SHARD = MlpShards.RANGES_PER_SHARD;

    /** Buffers for one batch size, allocated once and reused every step. */
    final class Work {
        final INDArray[] z = new INDArray
                [layers]; // pre-activations (none kept for layer 0 under a ReLU); z[layers-1] are the logits
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
        this.sharded = new MlpShards(this, shards); // last: it reads the parameters and dims made above
    }

    /** The configured thread count of a training step. */
    public int shards() {
        return sharded.shards();
    }

    /** Fewest rows a range may have: {@link #MIN_RANGE_CELLS} over this shape's cells per row. */
    public int minRangeRows() {
        return sharded.minRangeRows();
    }

    /** For tests: split batches down to this many rows per range. */
    void minRangeRows(int rows) {
        sharded.minRangeRows(rows);
    }

    /** For tests and measurements: row ranges per thread. */
    void rangesPerShard(int k) {
        sharded.rangesPerShard(k);
    }

    /**
     * Row ranges a step of n rows is split into: shards x {@link #RANGES_PER_SHARD}, fewer if a range would have
     * under {@link #minRangeRows()} rows; 1 (no split) with one shard. The result's bits depend on this count only.
     */
    public int rangesFor(int n) {
        return sharded.rangesFor(n);
    }

    /** Threads a step of n rows runs on. */
    public int shardsFor(int n) {
        return Math.min(shards(), rangesFor(n));
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
        Work wk = work.computeIfAbsent(n, this::newWork);
        tables();
        INDArray logits = forwardRows(wk, batch.a(), batch.b());
        last = wk;
        lastBatch = batch;
        return logits;
    }

    /** Fresh activation buffers for n rows: forward's own per batch size, and one per row range of a sharded step. */
    Work newWork(int n) {
        return new Work(n, params.flatValues().dataType());
    }

    /** pTop, pBot: layer 0's per-token tables for the current weights. */
    void tables() {
        INDArray e = tokenEmbedding();
        // Layer 0 on concat(E[a], E[b]) equals E[a] @ W0[:d] + E[b] @ W0[d:]: multiply the (V, d) table once
        // and gather rows, instead of an (N, 2d) @ (2d, h0) gemm (~40x fewer flops for simple-grokking).
        Nd4j.gemm(e, w0Top, pTop, false, false, 1.0, 0.0); // (V, h0)
        Nd4j.gemm(e, w0Bot, pBot, false, false, 1.0, 0.0); // (V, h0)
        pTop.addiRowVector(bias(0)); // (V, h0): the bias rides along, every row of z0 gathers exactly one pTop row
    }

    /** The logits of rows (a, b) into wk, from the tables made by {@link #tables()}; reads the model, writes only wk. */
    INDArray forwardRows(Work wk, int[] a, int[] b) {
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
    void backwardRows(
            Work wk, INDArray dLogits, int[] a, int[] b, INDArray[] gw, INDArray[] gb, INDArray dTop, INDArray dBot) {
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
    void tableGrads(INDArray dTop, INDArray dBot) {
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
     * caller; otherwise the row ranges of {@link MlpShards#trainStep}, which leave no forward for {@link #backward}.
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
                throw new IllegalArgumentException(
                        "label " + labels[i] + " at row " + i + " is outside [0, " + cfg.classes() + ")");
            }
        }
        OperandTokens.requireBelow(batch, cfg.vocab());
        last = null; // the ranges' activations are not a forward that backward() could use
        lastBatch = null;
        return sharded.trainStep(batch, labels, loss, k);
    }
}
