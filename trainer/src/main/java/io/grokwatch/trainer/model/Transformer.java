package io.grokwatch.trainer.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Decoder-only transformer over the 3 tokens "a b =" (Nanda et al., Power et al.): learned positions,
 * causal multi-head attention, ReLU MLP, optional pre-LayerNorm, logits read at the last position only.
 *
 * <pre>{@code Transformer t = new Transformer(Transformer.Config.nanda(113), DataType.FLOAT, 0L); }</pre>
 *
 * <p>Layout: the residual stream of a batch of N is one (T*N, d) matrix, position-major (row t*N + n),
 * so each position is a contiguous (N, d) row block and every projection is a single gemm. With T = 3,
 * attention is done per (query, key) position pair on (N, d) blocks: scores per head come from
 * (q_i ∘ k_j) @ S, where S (d, H) sums each head's columns. The last layer only computes the last
 * position's query path (keys and values still need every position), since only its logits are read.
 */
public final class Transformer implements Model {
    /** Sequence length: tokens a, b and '='. */
    public static final int T = 3;

    /**
     * Shape and init. vocab counts the '=' token (p + 1, '=' = p); classes = p outputs.
     * initStd is the std of every weight matrix including embeddings; biases start at 0, LayerNorm gains at 1.
     */
    public record Config(
            int vocab, int classes, int layers, int dModel, int heads, int dMlp, boolean layerNorm, double initStd) {
        public Config {
            if (vocab < 3) {
                throw new IllegalArgumentException("vocab must be >= 3, got " + vocab);
            }
            if (classes < 2 || classes >= vocab) {
                throw new IllegalArgumentException(
                        "classes must be in [2, vocab), got " + classes + " for vocab " + vocab);
            }
            checkShape(layers, dModel, heads, dMlp);
            if (!(initStd > 0) || Double.isInfinite(initStd)) {
                throw new IllegalArgumentException("initStd must be finite and > 0, got " + initStd);
            }
        }

        /** The shape's rules, for configs that hold a transformer's shape before the task gives its vocabulary. */
        public static void checkShape(int layers, int dModel, int heads, int dMlp) {
            if (layers < 1) {
                throw new IllegalArgumentException("layers must be >= 1, got " + layers);
            }
            if (heads < 1 || dModel < 1 || dModel % heads != 0) {
                throw new IllegalArgumentException(
                        "dModel must be a positive multiple of heads, got dModel " + dModel + ", heads " + heads);
            }
            if (dMlp < 1) {
                throw new IllegalArgumentException("dMlp must be >= 1, got " + dMlp);
            }
        }

        /** Nanda et al. 2023: 1 layer, d 128, 4 heads, d_mlp 512, no LayerNorm, every weight N(0, 1/d_model). */
        public static Config nanda(int p) {
            return new Config(p + 1, p, 1, 128, 4, 512, false, 1.0 / Math.sqrt(128));
        }

        /** Power et al. 2022: 2 layers, d 128, 4 heads, d_mlp 4d, LayerNorm; same N(0, 1/d_model) init. */
        public static Config power(int p) {
            return new Config(p + 1, p, 2, 128, 4, 512, true, 1.0 / Math.sqrt(128));
        }
    }

    private final Config cfg;
    private final ParamSet params;
    private final DataType dt;
    private final int d;
    private final int heads;
    private final double scale;
    private final INDArray headSum; // (d, H): S[k, h] = 1 if column k belongs to head h
    private final INDArray table; // (T*V, d): W_E[v] + W_pos[t] at row t*V + v
    private final INDArray dTable; // (T*V, d)
    // Layer 0 without LayerNorm: its input row is table[t*V + token], one of only T*V distinct rows, so Q, K and V
    // are computed once per table row (T*V, d) and gathered, instead of one (T*N, d) @ (d, d) gemm each;
    // the backward scatter-adds the gathered gradients per table row and does small (T*V)-row gemms.
    private final boolean tokenTables;
    private final INDArray qTable; // (T*V, d) table @ W_Q of block 0
    private final INDArray kTable;
    private final INDArray vTable;
    private final INDArray dqTable; // (T*V, d) scratch for the backward
    private final INDArray dkTable;
    private final INDArray dvTable;
    private final INDArray onesV; // (1, V)
    private final Map<Integer, TransformerWork> work = new HashMap<>();
    private TransformerWork last;

    public Transformer(Config cfg, DataType dtype, long seed) {
        this.cfg = cfg;
        this.dt = dtype;
        this.d = cfg.dModel();
        this.heads = cfg.heads();
        this.scale = 1.0 / Math.sqrt(d / heads);
        ParamSet.Builder b = ParamSet.builder().add("embed.W_E", cfg.vocab(), d).add("pos_embed.W_pos", T, d);
        for (int l = 0; l < cfg.layers(); l++) {
            String p = "blocks." + l + ".";
            if (cfg.layerNorm()) {
                b.add(p + "ln1.w", 1, d).add(p + "ln1.b", 1, d);
            }
            // stored (in, out) so that x @ W; heads are column blocks of d/H
            b.add(p + "attn.W_Q", d, d)
                    .add(p + "attn.W_K", d, d)
                    .add(p + "attn.W_V", d, d)
                    .add(p + "attn.W_O", d, d);
            if (cfg.layerNorm()) {
                b.add(p + "ln2.w", 1, d).add(p + "ln2.b", 1, d);
            }
            b.add(p + "mlp.W_in", d, cfg.dMlp())
                    .add(p + "mlp.b_in", 1, cfg.dMlp())
                    .add(p + "mlp.W_out", cfg.dMlp(), d)
                    .add(p + "mlp.b_out", 1, d);
        }
        if (cfg.layerNorm()) {
            b.add("ln_final.w", 1, d).add("ln_final.b", 1, d);
        }
        b.add("unembed.W_U", d, cfg.classes());
        params = b.build(dtype);
        Random rng = new Random(seed);
        for (ParamSet.Param p : params.list()) {
            String n = p.name();
            if (n.endsWith("ln1.w") || n.endsWith("ln2.w") || n.equals("ln_final.w")) {
                p.value().assign(1);
            } else if (n.contains(".W_")) {
                ParamSet.normal(p.value(), cfg.initStd(), rng);
            } // biases stay 0
        }
        double[][] s = new double[d][heads];
        for (int k = 0; k < d; k++) {
            s[k][k / (d / heads)] = 1;
        }
        headSum = Nd4j.create(s).castTo(dtype);
        table = Nd4j.create(dtype, T * cfg.vocab(), d);
        dTable = Nd4j.create(dtype, T * cfg.vocab(), d);
        tokenTables = !cfg.layerNorm();
        qTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        kTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        vTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        dqTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        dkTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        dvTable = tokenTables ? Nd4j.create(dtype, T * cfg.vocab(), d) : null;
        onesV = Nd4j.ones(dtype, 1, cfg.vocab());
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
        return params.value("embed.W_E");
    }

    private INDArray v(String name) {
        return params.value(name);
    }

    private INDArray g(String name) {
        return params.grad(name);
    }

    /** Row block view of a buffer; never of a parameter view (see {@link ParamSet#rows}). */
    private static INDArray rows(INDArray a, long from, long to) {
        if (a.isView()) {
            throw new IllegalStateException("row views of views are unreliable in ND4J 1.0.0-M2.1");
        }
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    @Override
    public INDArray forward(Batch batch) {
        int n = batch.size();
        int vocab = cfg.vocab();
        TransformerWork wk = work.computeIfAbsent(n, size -> new TransformerWork(cfg, dt, size));
        OperandTokens.requireBelow(batch, cfg.classes());
        for (int i = 0; i < n; i++) {
            wk.idx[i] = batch.a()[i]; // position 0
            wk.idx[n + i] = vocab + batch.b()[i]; // position 1
            wk.idx[2 * n + i] = 2 * vocab + (vocab - 1); // position 2: '='
        }
        System.arraycopy(wk.idx, wk.idx.length - wk.qIdx0.length, wk.qIdx0, 0, wk.qIdx0.length);
        // table[t*V + v] = W_E[v] + W_pos[t]: (T*V, d) is tiny, so add positions there and gather once.
        INDArray we = v("embed.W_E");
        for (int t = 0; t < T; t++) {
            rows(table, (long) t * vocab, (long) (t + 1) * vocab)
                    .assign(we)
                    .addiRowVector(params.rows("pos_embed.W_pos", t, t + 1, false)); // (V, d)
        }
        Rows.gather(table, wk.idx, wk.x0); // (T*N, d)
        INDArray x = wk.x0;
        for (int l = 0; l < cfg.layers(); l++) {
            x = layerForward(l, wk.layers[l], x, wk);
        }
        INDArray xf = cfg.layerNorm() ? wk.lnf.forward(x, v("ln_final.w"), v("ln_final.b")) : x; // (N, d)
        Nd4j.gemm(xf, v("unembed.W_U"), wk.logits, false, false, 1.0, 0.0); // (N, C)
        last = wk;
        return wk.logits;
    }

    private INDArray layerForward(int l, TransformerWork.Layer ly, INDArray x, TransformerWork wk) {
        String p = "blocks." + l + ".";
        int n = wk.n;
        long q0 = (long) (T - ly.qPos) * n; // first query row in the (T*N) layout
        if (l == 0 && tokenTables) {
            Nd4j.gemm(table, v(p + "attn.W_K"), kTable, false, false, 1.0, 0.0); // (T*V, d)
            Nd4j.gemm(table, v(p + "attn.W_V"), vTable, false, false, 1.0, 0.0); // (T*V, d)
            Nd4j.gemm(table, v(p + "attn.W_Q"), qTable, false, false, 1.0, 0.0); // (T*V, d)
            Rows.gather(kTable, wk.idx, ly.k); // (T*N, d)
            Rows.gather(vTable, wk.idx, ly.vv); // (T*N, d)
            Rows.gather(qTable, wk.qIdx0, ly.q); // (qRows, d)
        } else {
            INDArray xn = cfg.layerNorm() ? ly.ln1.forward(x, v(p + "ln1.w"), v(p + "ln1.b")) : x; // (T*N, d)
            Nd4j.gemm(xn, v(p + "attn.W_K"), ly.k, false, false, 1.0, 0.0); // (T*N, d)
            Nd4j.gemm(xn, v(p + "attn.W_V"), ly.vv, false, false, 1.0, 0.0); // (T*N, d)
            Nd4j.gemm(rows(xn, q0, (long) T * n), v(p + "attn.W_Q"), ly.q, false, false, 1.0, 0.0); // (qRows, d)
        }
        for (int i = 0; i < ly.qPos; i++) {
            int pos = T - ly.qPos + i;
            INDArray qi = rows(ly.q, (long) i * n, (long) (i + 1) * n); // (N, d)
            INDArray[] a = ly.a[i];
            for (int j = 0; j <= pos; j++) {
                INDArray kj = rows(ly.k, (long) j * n, (long) (j + 1) * n); // (N, d)
                Nd4j.gemm(wk.nd.assign(qi).muli(kj), headSum, a[j], false, false, scale, 0.0); // (N, H) scores
            }
            // causal softmax over key positions j <= pos, per row and head
            wk.nh.assign(a[0]);
            for (int j = 1; j <= pos; j++) {
                Transforms.max(wk.nh, a[j], false); // (N, H) running max
            }
            for (int j = 0; j <= pos; j++) {
                Transforms.exp(a[j].subi(wk.nh), false); // (N, H)
            }
            wk.nh.assign(a[0]);
            for (int j = 1; j <= pos; j++) {
                wk.nh.addi(a[j]); // (N, H) sum
            }
            INDArray zi = rows(ly.z, (long) i * n, (long) (i + 1) * n); // (N, d)
            for (int j = 0; j <= pos; j++) {
                a[j].divi(wk.nh); // (N, H) probabilities
                INDArray vj = rows(ly.vv, (long) j * n, (long) (j + 1) * n); // (N, d)
                Nd4j.gemm(a[j], headSum, wk.nd, false, true, 1.0, 0.0); // (N, d) each head's weight over its columns
                if (j == 0) {
                    zi.assign(wk.nd.muli(vj));
                } else {
                    zi.addi(wk.nd.muli(vj));
                }
            }
        }
        ly.x1.assign(rows(x, q0, (long) T * n)); // (qRows, d) residual
        Nd4j.gemm(ly.z, v(p + "attn.W_O"), ly.x1, false, false, 1.0, 1.0); // (qRows, d)
        INDArray xn2 = cfg.layerNorm() ? ly.ln2.forward(ly.x1, v(p + "ln2.w"), v(p + "ln2.b")) : ly.x1; // (qRows, d)
        Nd4j.gemm(xn2, v(p + "mlp.W_in"), ly.hpre, false, false, 1.0, 0.0); // (qRows, dMlp)
        ly.hpre.addiRowVector(v(p + "mlp.b_in")); // (qRows, dMlp)
        Nd4j.exec(new RectifiedLinear(ly.hpre, ly.hact, 0.0)); // (qRows, dMlp)
        ly.out.assign(ly.x1); // (qRows, d) residual
        Nd4j.gemm(ly.hact, v(p + "mlp.W_out"), ly.out, false, false, 1.0, 1.0); // (qRows, d)
        ly.out.addiRowVector(v(p + "mlp.b_out")); // (qRows, d)
        return ly.out;
    }

    @Override
    public void backward(INDArray dLogits) {
        if (last == null) {
            throw new IllegalStateException("backward called before forward");
        }
        TransformerWork wk = last;
        int n = wk.n;
        int L = cfg.layers();
        TransformerWork.Layer top = wk.layers[L - 1];
        if (wk.dxf == null) {
            wk.dxf = Nd4j.create(dt, n, d);
            wk.dxLast = Nd4j.create(dt, n, d);
        }
        INDArray xf = cfg.layerNorm() ? wk.lnf.out : top.out;
        Nd4j.gemm(xf, dLogits, g("unembed.W_U"), true, false, 1.0, 0.0); // (d, C)
        Nd4j.gemm(dLogits, v("unembed.W_U"), wk.dxf, false, true, 1.0, 0.0); // (N, d)
        INDArray dx = wk.dxf;
        if (cfg.layerNorm()) {
            wk.lnf.backward(wk.dxf, v("ln_final.w"), g("ln_final.w"), g("ln_final.b"), wk.dxLast); // (N, d)
            dx = wk.dxLast;
        }
        for (int l = L - 1; l >= 0; l--) {
            TransformerWork.Layer ly = wk.layers[l];
            INDArray x = l == 0 ? wk.x0 : wk.layers[l - 1].out;
            dx = layerBackward(l, ly, x, dx, wk);
        }
        if (!tokenTables) {
            // dx: (T*N, d) gradient at the embedding sum; back through the gather onto the (T*V, d) table
            Rows.scatterAdd(dx, wk.idx, dTable, false); // (T*V, d)
        } // else layer 0's backward filled dTable
        int vocab = cfg.vocab();
        INDArray gwe = g("embed.W_E");
        for (int t = 0; t < T; t++) {
            INDArray block = rows(dTable, (long) t * vocab, (long) (t + 1) * vocab); // (V, d)
            if (t == 0) {
                gwe.assign(block);
            } else {
                gwe.addi(block);
            }
            Nd4j.gemm(onesV, block, params.rows("pos_embed.W_pos", t, t + 1, true), false, false, 1.0, 0.0); // (1, d)
        }
    }

    /** Given dOut (qRows, d), fills this layer's parameter gradients and returns dX (T*N, d); layer 0 with token tables fills dTable and returns null. */
    private INDArray layerBackward(int l, TransformerWork.Layer ly, INDArray x, INDArray dOut, TransformerWork wk) {
        String p = "blocks." + l + ".";
        int n = wk.n;
        ly.allocBackward(n);
        // MLP: out = x1 + relu(xn2 W_in + b_in) W_out + b_out
        INDArray xn2 = cfg.layerNorm() ? ly.ln2.out : ly.x1;
        gemmColSum(dOut, g(p + "mlp.b_out"), ly.qPos, wk); // (1, d)
        Nd4j.gemm(ly.hact, dOut, g(p + "mlp.W_out"), true, false, 1.0, 0.0); // (dMlp, d)
        Nd4j.gemm(dOut, v(p + "mlp.W_out"), ly.dh, false, true, 1.0, 0.0); // (qRows, dMlp)
        Nd4j.exec(new Step(ly.hpre, ly.mask, 0.0)); // (qRows, dMlp) ReLU derivative (Step + mul beats ThresholdReluBp)
        ly.dh.muli(ly.mask); // (qRows, dMlp)
        gemmColSum(ly.dh, g(p + "mlp.b_in"), ly.qPos, wk); // (1, dMlp)
        Nd4j.gemm(xn2, ly.dh, g(p + "mlp.W_in"), true, false, 1.0, 0.0); // (d, dMlp)
        if (cfg.layerNorm()) {
            Nd4j.gemm(ly.dh, v(p + "mlp.W_in"), ly.dxn2, false, true, 1.0, 0.0); // (qRows, d)
            ly.ln2.backward(ly.dxn2, v(p + "ln2.w"), g(p + "ln2.w"), g(p + "ln2.b"), ly.dx1); // (qRows, d)
            ly.dx1.addi(dOut); // (qRows, d) + residual
        } else {
            ly.dx1.assign(dOut); // (qRows, d) residual
            Nd4j.gemm(ly.dh, v(p + "mlp.W_in"), ly.dx1, false, true, 1.0, 1.0); // (qRows, d)
        }
        // attention output projection
        Nd4j.gemm(ly.z, ly.dx1, g(p + "attn.W_O"), true, false, 1.0, 0.0); // (d, d)
        Nd4j.gemm(ly.dx1, v(p + "attn.W_O"), ly.dz, false, true, 1.0, 0.0); // (qRows, d)
        ly.dk.assign(0);
        ly.dv.assign(0);
        for (int i = 0; i < ly.qPos; i++) {
            int pos = T - ly.qPos + i;
            INDArray[] a = ly.a[i];
            INDArray qi = rows(ly.q, (long) i * n, (long) (i + 1) * n); // (N, d)
            INDArray dzi = rows(ly.dz, (long) i * n, (long) (i + 1) * n); // (N, d)
            INDArray dqi = rows(ly.dq, (long) i * n, (long) (i + 1) * n); // (N, d)
            for (int j = 0; j <= pos; j++) {
                INDArray vj = rows(ly.vv, (long) j * n, (long) (j + 1) * n); // (N, d)
                INDArray dvj = rows(ly.dv, (long) j * n, (long) (j + 1) * n); // (N, d)
                Nd4j.gemm(wk.nd.assign(dzi).muli(vj), headSum, wk.dA[j], false, false, 1.0, 0.0); // (N, H) dA_ij
                Nd4j.gemm(a[j], headSum, wk.nd, false, true, 1.0, 0.0); // (N, d)
                dvj.addi(wk.nd.muli(dzi)); // (N, d)
            }
            // softmax backward: dS_j = a_j ∘ (dA_j − Σ_j' a_j' ∘ dA_j')
            wk.nh.assign(0);
            for (int j = 0; j <= pos; j++) {
                wk.nh.addi(wk.nh2.assign(wk.dA[j]).muli(a[j])); // (N, H)
            }
            for (int j = 0; j <= pos; j++) {
                INDArray kj = rows(ly.k, (long) j * n, (long) (j + 1) * n); // (N, d)
                INDArray dkj = rows(ly.dk, (long) j * n, (long) (j + 1) * n); // (N, d)
                wk.dA[j].subi(wk.nh).muli(a[j]); // (N, H) dS_ij
                Nd4j.gemm(
                        wk.dA[j], headSum, wk.nd2, false, true, scale,
                        0.0); // (N, d) scaled dS over each head's columns
                if (j == 0) {
                    dqi.assign(wk.nd.assign(wk.nd2).muli(kj));
                } else {
                    dqi.addi(wk.nd.assign(wk.nd2).muli(kj));
                }
                dkj.addi(wk.nd2.muli(qi)); // (N, d)
            }
        }
        long q0 = (long) (T - ly.qPos) * n;
        if (l == 0 && tokenTables) {
            // Q, K, V were gathered from (T*V, d) tables: sum the row gradients per table row, then small gemms
            Rows.scatterAdd(ly.dk, wk.idx, dkTable, false); // (T*V, d)
            Rows.scatterAdd(ly.dv, wk.idx, dvTable, false); // (T*V, d)
            Rows.scatterAdd(ly.dq, wk.qIdx0, dqTable, false); // (T*V, d)
            Nd4j.gemm(table, dkTable, g(p + "attn.W_K"), true, false, 1.0, 0.0); // (d, d)
            Nd4j.gemm(table, dvTable, g(p + "attn.W_V"), true, false, 1.0, 0.0); // (d, d)
            Nd4j.gemm(table, dqTable, g(p + "attn.W_Q"), true, false, 1.0, 0.0); // (d, d)
            Nd4j.gemm(dkTable, v(p + "attn.W_K"), dTable, false, true, 1.0, 0.0); // (T*V, d)
            Nd4j.gemm(dvTable, v(p + "attn.W_V"), dTable, false, true, 1.0, 1.0); // (T*V, d)
            Nd4j.gemm(dqTable, v(p + "attn.W_Q"), dTable, false, true, 1.0, 1.0); // (T*V, d)
            Rows.scatterAdd(ly.dx1, wk.qIdx0, dTable, true); // (T*V, d) residual into the query positions
            return null;
        }
        INDArray xn = cfg.layerNorm() ? ly.ln1.out : x; // (T*N, d)
        Nd4j.gemm(xn, ly.dk, g(p + "attn.W_K"), true, false, 1.0, 0.0); // (d, d)
        Nd4j.gemm(xn, ly.dv, g(p + "attn.W_V"), true, false, 1.0, 0.0); // (d, d)
        Nd4j.gemm(rows(xn, q0, (long) T * n), ly.dq, g(p + "attn.W_Q"), true, false, 1.0, 0.0); // (d, d)
        Nd4j.gemm(ly.dk, v(p + "attn.W_K"), ly.dxn, false, true, 1.0, 0.0); // (T*N, d)
        Nd4j.gemm(ly.dv, v(p + "attn.W_V"), ly.dxn, false, true, 1.0, 1.0); // (T*N, d)
        Nd4j.gemm(ly.dq, v(p + "attn.W_Q"), rows(ly.dxn, q0, (long) T * n), false, true, 1.0, 1.0); // (qRows, d)
        if (cfg.layerNorm()) {
            ly.ln1.backward(ly.dxn, v(p + "ln1.w"), g(p + "ln1.w"), g(p + "ln1.b"), ly.dxIn); // (T*N, d)
        } else {
            ly.dxIn.assign(ly.dxn); // (T*N, d)
        }
        rows(ly.dxIn, q0, (long) T * n).addi(ly.dx1); // (qRows, d) residual into the query positions
        return ly.dxIn;
    }

    /** Column sums of m (qPos*N, c) into out (1, c) as gemms with a ones row (reductions are slow here). */
    private void gemmColSum(INDArray m, INDArray out, int qPos, TransformerWork wk) {
        int n = wk.n;
        for (int i = 0; i < qPos; i++) {
            Nd4j.gemm(
                    wk.onesN,
                    rows(m, (long) i * n, (long) (i + 1) * n),
                    out,
                    false,
                    false,
                    1.0,
                    i == 0 ? 0.0 : 1.0); // (1, c)
        }
    }
}
