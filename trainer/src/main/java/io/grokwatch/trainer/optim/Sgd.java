package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** SGD with optional momentum and L2 weight decay, as torch.optim.SGD (no dampening, no Nesterov). */
public final class Sgd extends WarmupOptimizer {

    /** momentum 0 disables the momentum buffer. */
    public record Config(double lr, double momentum, double weightDecay, int warmupSteps) {
        public Config {
            checkLr(lr);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
            }
            checkWeightDecay(weightDecay);
            checkWarmupSteps(warmupSteps);
        }
    }

    private final Config cfg;
    private final INDArray buf;
    private final INDArray tmp;

    public Sgd(ParamSet params, Config cfg) {
        super(cfg.lr(), cfg.warmupSteps());
        this.cfg = cfg;
        buf = zerosLike(params);
        tmp = zerosLike(params);
    }

    @Override
    void update(ParamSet params, double lr, long stepsBefore) {
        INDArray p = params.flatValues();
        INDArray d = tmp.assign(p).muli(cfg.weightDecay()).addi(params.flatGrads()); // g + wd p
        if (cfg.momentum() > 0) {
            // torch: the buffer starts as the first gradient, then buf = mu buf + g
            if (stepsBefore == 0) {
                buf.assign(d);
            } else {
                buf.muli(cfg.momentum()).addi(d);
            }
            d = tmp.assign(buf);
        }
        p.subi(d.muli(lr));
    }

    @Override
    void exportBuffers(Map<String, INDArray> state) {
        state.put("momentum_buffer", buf.dup());
    }

    @Override
    void importBuffers(Map<String, INDArray> state) {
        buf.assign(Optimizer.require(state, "momentum_buffer", buf).reshape(buf.shape()));
    }
}
