package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW with PyTorch semantics: p -= lr*wd*p, then the Adam update with bias correction.
 *
 * <pre>{@code Optimizer opt = new AdamW(params, new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1.0, 10));}</pre>
 */
public final class AdamW implements Optimizer {

    /** Hyper-parameters; warmupSteps 0 means constant lr. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, int warmupSteps) {
        public Config {
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
            }
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            }
            if (!(eps >= 0)) {
                throw new IllegalArgumentException("eps must be >= 0, got " + eps);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
            }
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
            }
        }
    }

    private final Config cfg;
    private final INDArray m;
    private final INDArray v;
    private final INDArray tmp;
    private long t;

    public AdamW(ParamSet params, Config cfg) {
        this.cfg = cfg;
        INDArray p = params.flatValues();
        m = Nd4j.zeros(p.dataType(), p.length());
        v = Nd4j.zeros(p.dataType(), p.length());
        tmp = Nd4j.zeros(p.dataType(), p.length());
    }

    @Override
    public void step(ParamSet params) {
        INDArray p = params.flatValues();
        INDArray g = params.flatGrads();
        double lr = learningRate();
        t++;
        p.muli(1.0 - lr * cfg.weightDecay()); // decoupled decay, before the Adam update as in torch.optim.AdamW
        m.muli(cfg.beta1()).addi(tmp.assign(g).muli(1.0 - cfg.beta1())); // m = b1 m + (1-b1) g
        v.muli(cfg.beta2()).addi(tmp.assign(g).muli(g).muli(1.0 - cfg.beta2())); // v = b2 v + (1-b2) g^2
        double bc1 = 1.0 - Math.pow(cfg.beta1(), t);
        double bc2 = 1.0 - Math.pow(cfg.beta2(), t);
        Transforms.sqrt(tmp.assign(v), false).divi(Math.sqrt(bc2)).addi(cfg.eps()); // denom = sqrt(v)/sqrt(bc2) + eps
        tmp.rdivi(m).muli(lr / bc1); // (lr/bc1) * m / denom
        p.subi(tmp);
    }

    @Override
    public double learningRate() {
        return Optimizer.warmedUp(cfg.lr(), cfg.warmupSteps(), t);
    }

    @Override
    public long steps() {
        return t;
    }

    public Config config() {
        return cfg;
    }

    @Override
    public Map<String, INDArray> exportState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("step", Nd4j.createFromArray((double) t));
        s.put("exp_avg", m.dup());
        s.put("exp_avg_sq", v.dup());
        return s;
    }

    @Override
    public void importState(Map<String, INDArray> state) {
        m.assign(Optimizer.require(state, "exp_avg", m).reshape(m.shape()));
        v.assign(Optimizer.require(state, "exp_avg_sq", v).reshape(v.shape()));
        t = (long) Optimizer.require(state, "step", Nd4j.zeros(1)).getDouble(0);
    }
}
