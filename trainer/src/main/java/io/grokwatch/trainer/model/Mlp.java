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
    private final Map<Integer, Work> work = new HashMap<>();
    private Work last;
    private Batch lastBatch;

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

    /** PyTorch default init: E ~ N(0,1); Linear weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public Mlp(Config cfg, DataType dtype, long seed) {
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
        INDArray e = tokenEmbedding();
        // Layer 0 on concat(E[a], E[b]) equals E[a] @ W0[:d] + E[b] @ W0[d:]: multiply the (V, d) table once
        // and gather rows, instead of an (N, 2d) @ (2d, h0) gemm (~40x fewer flops for simple-grokking).
        Nd4j.gemm(e, w0Top, pTop, false, false, 1.0, 0.0); // (V, h0)
        Nd4j.gemm(e, w0Bot, pBot, false, false, 1.0, 0.0); // (V, h0)
        pTop.addiRowVector(bias(0)); // (V, h0): the bias rides along, every row of z0 gathers exactly one pTop row
        if (layers == 1) {
            Rows.gatherSum(pTop, batch.a(), pBot, batch.b(), wk.z[0], false); // (N, C): the logits
        } else {
            Rows.gatherSum(pTop, batch.a(), pBot, batch.b(), wk.h[0], true); // (N, h0) = relu(z0), in the same pass
        }
        for (int i = 0; i < layers - 1; i++) {
            if (i > 0) {
                Nd4j.exec(new RectifiedLinear(wk.z[i], wk.h[i], 0.0)); // (N, h_i)
            }
            Nd4j.gemm(wk.h[i], w(i + 1), wk.z[i + 1], false, false, 1.0, 0.0); // (N, h_{i+1})
            // bias as a rank-1 gemm: ones (N,1) @ b (1,h) accumulated; cheaper here than addiRowVector
            Nd4j.gemm(wk.onesCol, bias(i + 1), wk.z[i + 1], false, false, 1.0, 1.0); // (N, h_{i+1})
        }
        last = wk;
        lastBatch = batch;
        return wk.z[layers - 1];
    }

    @Override
    public void backward(INDArray dLogits) {
        if (last == null) {
            throw new IllegalStateException("backward called before forward");
        }
        Work wk = last;
        INDArray dz = dLogits; // (N, C)
        for (int i = layers - 1; i >= 1; i--) {
            Nd4j.gemm(wk.h[i - 1], dz, params.grad("layers." + i + ".weight"), true, false, 1.0, 0.0); // (h_{i-1}, h_i)
            // bias grad = column sums of dz, as a gemm with a ones row (a row-sum reduction is ~30x slower here)
            Nd4j.gemm(wk.onesRow, dz, params.grad("layers." + i + ".bias"), false, false, 1.0, 0.0); // (1, h_i)
            Nd4j.gemm(dz, w(i), wk.dz[i - 1], false, true, 1.0, 0.0); // (N, h_{i-1})
            // ReLU backward as step(h) then a multiply (h > 0 exactly where z > 0): 0.17 ms vs 6 ms for
            // ThresholdReluBp on this VM, and branch-free, unlike a masked Java loop (3x slower on random signs).
            // Made here, not in forward, so evaluation-only forwards skip it.
            Nd4j.exec(new Step(wk.h[i - 1], wk.mask[i - 1], 0.0)); // (N, h_{i-1})
            wk.dz[i - 1].muli(wk.mask[i - 1]); // (N, h_{i-1})
            dz = wk.dz[i - 1];
        }
        INDArray e = tokenEmbedding();
        // Mirror of the gathered forward: scatter dz0 rows back onto both (V, h0) tables in one pass, then through
        // the table gemms.
        Rows.scatterAddTwo(dz, lastBatch.a(), dPTop, lastBatch.b(), dPBot); // (V, h0) x2
        // Every row of z0 took exactly one pTop row, bias included: the bias grad is dPTop's column sum.
        Nd4j.gemm(onesVocab, dPTop, params.grad("layers.0.bias"), false, false, 1.0, 0.0); // (1, h0)
        Nd4j.gemm(e, dPTop, gw0Top, true, false, 1.0, 0.0); // (d, h0)
        Nd4j.gemm(e, dPBot, gw0Bot, true, false, 1.0, 0.0); // (d, h0)
        INDArray ge = params.grad("embed.weight");
        Nd4j.gemm(dPTop, w0Top, ge, false, true, 1.0, 0.0); // (V, d)
        Nd4j.gemm(dPBot, w0Bot, ge, false, true, 1.0, 1.0); // (V, d)
    }
}
