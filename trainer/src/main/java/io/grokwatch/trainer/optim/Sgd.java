package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SGD with optional momentum and L2 weight decay, as torch.optim.SGD (no dampening, no Nesterov). */
public final class Sgd implements Optimizer {

    /** momentum 0 disables the momentum buffer. */
    public record Config(double lr, double momentum, double weightDecay, int warmupSteps) {
        public Config {
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
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
    private final INDArray buf;
    private final INDArray tmp;
    private long t;

    public Sgd(ParamSet params, Config cfg) {
        this.cfg = cfg;
        INDArray p = params.flatValues();
        buf = Nd4j.zeros(p.dataType(), p.length());
        tmp = Nd4j.zeros(p.dataType(), p.length());
    }

    @Override
    public void step(ParamSet params) {
        INDArray p = params.flatValues();
        double lr = learningRate();
        INDArray d = tmp.assign(p).muli(cfg.weightDecay()).addi(params.flatGrads()); // g + wd p
        if (cfg.momentum() > 0) {
            // torch: the buffer starts as the first gradient, then buf = mu buf + g
            if (t == 0) {
                buf.assign(d);
            } else {
                buf.muli(cfg.momentum()).addi(d);
            }
            d = tmp.assign(buf);
        }
        p.subi(d.muli(lr));
        t++;
    }

    @Override
    public double learningRate() {
        return Optimizer.warmedUp(cfg.lr(), cfg.warmupSteps(), t);
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, INDArray> exportState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("step", Nd4j.createFromArray((double) t));
        s.put("momentum_buffer", buf.dup());
        return s;
    }

    @Override
    public void importState(Map<String, INDArray> state) {
        buf.assign(Optimizer.require(state, "momentum_buffer", buf).reshape(buf.shape()));
        t = (long) Optimizer.require(state, "step", Nd4j.zeros(1)).getDouble(0);
    }
}
