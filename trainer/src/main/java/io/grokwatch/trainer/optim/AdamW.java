package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.HeapArrays;
import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam with PyTorch semantics: decoupled weight decay as torch.optim.AdamW (p -= lr*wd*p, then the Adam update
 * with bias correction), or, with {@link Decay#L2}, torch.optim.Adam's L2 term (g += wd*p before the moments).
 *
 * <pre>{@code Optimizer opt = new AdamW(params, new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1.0, 10));}</pre>
 */
public final class AdamW extends WarmupOptimizer {

    /** How weight decay enters: shrinking the weights beside the update, or as a gradient term Adam normalizes. */
    public enum Decay {
        /** torch.optim.AdamW: p *= 1 - lr*wd, independent of the gradient's scale. */
        DECOUPLED,
        /**
         * torch.optim.Adam's weight_decay: wd*p joins the gradient (after any gradient filter), so the moments
         * normalize it; the Grokfast authors' optimizer.
         */
        L2
    }

    /** Hyper-parameters; warmupSteps 0 means constant lr. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, int warmupSteps) {
        public Config {
            checkLr(lr);
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            }
            if (!(eps >= 0)) {
                throw new IllegalArgumentException("eps must be >= 0, got " + eps);
            }
            checkWeightDecay(weightDecay);
            checkWarmupSteps(warmupSteps);
        }
    }

    private final Config cfg;
    private final Decay decayKind;
    private final INDArray m;
    private final INDArray v;
    private final Scratch scratch = new Scratch();

    public AdamW(ParamSet params, Config cfg) {
        this(params, cfg, Decay.DECOUPLED);
    }

    public AdamW(ParamSet params, Config cfg, Decay decay) {
        super(cfg.lr(), cfg.warmupSteps());
        this.cfg = cfg;
        this.decayKind = decay;
        m = zerosLike(params);
        v = zerosLike(params);
    }

    @Override
    void update(ParamSet params, double lr, long stepsBefore) {
        INDArray p = params.flatValues();
        INDArray g = params.flatGrads();
        long t = stepsBefore + 1;
        boolean l2 = decayKind == Decay.L2;
        double decay = l2 ? 1.0 : 1.0 - lr * cfg.weightDecay();
        double l2wd = l2 ? cfg.weightDecay() : 0.0;
        double b1 = cfg.beta1();
        double b2 = cfg.beta2();
        double sqrtBc2 = Math.sqrt(1.0 - Math.pow(b2, t));
        double stepSize = lr / (1.0 - Math.pow(b1, t));
        double eps = cfg.eps();
        // One pass over heap copies: eight ND4J element-wise ops over the flat vectors cost ~1.6 ms a step for
        // 100k parameters here, mostly per-op overhead; the loop and four bulk copies a fraction of it.
        int n = (int) p.length();
        if (p.dataType() == DataType.DOUBLE) {
            double[][] a = scratch.doubles(n);
            double[] pp = get(p, a[0]);
            double[] gg = get(g, a[1]);
            double[] mm = get(m, a[2]);
            double[] vv = get(v, a[3]);
            for (int i = 0; i < n; i++) {
                double gi = gg[i] + l2wd * pp[i];
                mm[i] = b1 * mm[i] + (1 - b1) * gi;
                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
                // decoupled decay before the Adam update, as in torch.optim.AdamW (decay is 1 under L2: wd*p is in gi)
                pp[i] = pp[i] * decay - stepSize * mm[i] / (Math.sqrt(vv[i]) / sqrtBc2 + eps);
            }
            put(p, pp);
            put(m, mm);
            put(v, vv);
        } else {
            float[][] a = scratch.floats(n);
            float[] pp = get(p, a[0]);
            float[] gg = get(g, a[1]);
            float[] mm = get(m, a[2]);
            float[] vv = get(v, a[3]);
            for (int i = 0; i < n; i++) {
                double gi = gg[i] + l2wd * pp[i];
                double mi = b1 * mm[i] + (1 - b1) * gi;
                double vi = b2 * vv[i] + (1 - b2) * gi * gi;
                mm[i] = (float) mi;
                vv[i] = (float) vi;
                pp[i] = (float) (pp[i] * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps));
            }
            put(p, pp);
            put(m, mm);
            put(v, vv);
        }
    }

    private static double[] get(INDArray x, double[] into) {
        HeapArrays.read(x, into, 0, (int) x.length());
        return into;
    }

    private static float[] get(INDArray x, float[] into) {
        HeapArrays.read(x, into, 0, (int) x.length());
        return into;
    }

    private static void put(INDArray x, double[] from) {
        HeapArrays.write(x, from, 0, (int) x.length());
    }

    private static void put(INDArray x, float[] from) {
        HeapArrays.write(x, from, 0, (int) x.length());
    }

    /** Heap copies of parameters, gradients and both moments, allocated on the first step. */
    private static final class Scratch {
        private float[][] f;
        private double[][] d;

        float[][] floats(int n) {
            if (f == null || f[0].length < n) {
                f = new float[4][n];
            }
            return f;
        }

        double[][] doubles(int n) {
            if (d == null || d[0].length < n) {
                d = new double[4][n];
            }
            return d;
        }
    }

    public Config config() {
        return cfg;
    }

    @Override
    void exportBuffers(Map<String, INDArray> state) {
        state.put("exp_avg", m.dup());
        state.put("exp_avg_sq", v.dup());
    }

    @Override
    void importBuffers(Map<String, INDArray> state) {
        m.assign(Optimizer.require(state, "exp_avg", m).reshape(m.shape()));
        v.assign(Optimizer.require(state, "exp_avg_sq", v).reshape(v.shape()));
    }
}
