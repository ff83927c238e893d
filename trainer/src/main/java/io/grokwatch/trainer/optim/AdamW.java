package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW with PyTorch semantics: p -= lr*wd*p, then the Adam update with bias correction.
 *
 * <pre>{@code Optimizer opt = new AdamW(params, new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1.0, 10));}</pre>
 */
public final class AdamW extends WarmupOptimizer {

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
    private final INDArray m;
    private final INDArray v;
    private final INDArray tmp;

    public AdamW(ParamSet params, Config cfg) {
        super(cfg.lr(), cfg.warmupSteps());
        this.cfg = cfg;
        m = zerosLike(params);
        v = zerosLike(params);
        tmp = zerosLike(params);
    }

    @Override
    void update(ParamSet params, double lr, long stepsBefore) {
        INDArray p = params.flatValues();
        INDArray g = params.flatGrads();
        long t = stepsBefore + 1;
        p.muli(1.0 - lr * cfg.weightDecay()); // decoupled decay, before the Adam update as in torch.optim.AdamW
        m.muli(cfg.beta1()).addi(tmp.assign(g).muli(1.0 - cfg.beta1())); // m = b1 m + (1-b1) g
        v.muli(cfg.beta2()).addi(tmp.assign(g).muli(g).muli(1.0 - cfg.beta2())); // v = b2 v + (1-b2) g^2
        double bc1 = 1.0 - Math.pow(cfg.beta1(), t);
        double bc2 = 1.0 - Math.pow(cfg.beta2(), t);
        Transforms.sqrt(tmp.assign(v), false).divi(Math.sqrt(bc2)).addi(cfg.eps()); // denom = sqrt(v)/sqrt(bc2) + eps
        tmp.rdivi(m).muli(lr / bc1); // (lr/bc1) * m / denom
        p.subi(tmp);
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
