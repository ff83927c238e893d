package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grokfast-EMA (Lee et al. 2024, gradfilter_ema): ema = alpha*ema + (1-alpha)*g, then g += lambda*ema.
 * As in the authors' code the EMA starts at the first gradient and is updated before it is added.
 */
public final class GrokfastEma implements GradFilter {
    private final double alpha;
    private final double lambda;
    private final INDArray ema;
    private final INDArray tmp;
    private boolean started;

    public GrokfastEma(ParamSet params, double alpha, double lambda) {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("grokfast alpha must be in [0, 1), got " + alpha);
        }
        if (!Double.isFinite(lambda)) {
            throw new IllegalArgumentException("grokfast lambda must be finite, got " + lambda);
        }
        this.alpha = alpha;
        this.lambda = lambda;
        INDArray p = params.flatValues();
        ema = Nd4j.zeros(p.dataType(), p.length());
        tmp = Nd4j.zeros(p.dataType(), p.length());
    }

    @Override
    public void apply(ParamSet params) {
        INDArray g = params.flatGrads();
        if (!started) {
            ema.assign(g);
            started = true;
        } else {
            ema.muli(alpha).addi(tmp.assign(g).muli(1.0 - alpha));
        }
        g.addi(tmp.assign(ema).muli(lambda));
    }

    @Override
    public Map<String, INDArray> exportState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("grokfast_ema", ema.dup());
        s.put("grokfast_started", Nd4j.createFromArray(started ? 1.0 : 0.0));
        return s;
    }

    @Override
    public void importState(Map<String, INDArray> state) {
        ema.assign(Optimizer.require(state, "grokfast_ema", ema).reshape(ema.shape()));
        started = Optimizer.require(state, "grokfast_started", Nd4j.zeros(1)).getDouble(0) != 0;
    }
}
