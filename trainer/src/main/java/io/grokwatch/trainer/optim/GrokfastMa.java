package io.grokwatch.trainer.optim;

import io.grokwatch.trainer.model.ParamSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grokfast-MA (Lee et al. 2024, gradfilter_ma with warmup): once the last {@code window} raw gradients
 * are in, g += lambda * mean(window). Before the window fills the gradient passes unchanged.
 */
public final class GrokfastMa implements GradFilter {
    private final int window;
    private final double lambda;
    private final INDArray ring; // (window, P): raw gradients, oldest overwritten
    private final INDArray sum; // running sum of the ring rows
    private final INDArray tmp;
    private long seen;

    public GrokfastMa(ParamSet params, int window, double lambda) {
        if (window < 1) {
            throw new IllegalArgumentException("grokfast window must be >= 1, got " + window);
        }
        if (!Double.isFinite(lambda)) {
            throw new IllegalArgumentException("grokfast lambda must be finite, got " + lambda);
        }
        this.window = window;
        this.lambda = lambda;
        INDArray p = params.flatValues();
        ring = Nd4j.zeros(p.dataType(), window, p.length());
        sum = Nd4j.zeros(p.dataType(), 1, p.length());
        tmp = Nd4j.zeros(p.dataType(), 1, p.length());
    }

    @Override
    public void apply(ParamSet params) {
        INDArray g = params.flatGrads().reshape(1, params.count()); // (1, P)
        int slot = (int) (seen % window);
        INDArray row = ring.getRow(slot, true); // (1, P) view
        if (seen >= window) {
            sum.subi(row);
        }
        row.assign(g);
        sum.addi(row);
        seen++;
        if (seen % window == 0) {
            // a running sum drifts in float32 over 1e5 steps; recompute it exactly once per window
            sum.assign(ring.sum(true, 0));
        }
        if (seen >= window) {
            g.addi(tmp.assign(sum).muli(lambda / window));
        }
    }

    @Override
    public Map<String, INDArray> exportState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        s.put("grokfast_ring", ring.dup());
        s.put("grokfast_seen", Nd4j.createFromArray((double) seen));
        // the running sum carries float32 round-off since its last exact recompute; resuming must
        // start from the same bits, not from a fresh sum of the ring
        s.put("grokfast_sum", sum.dup());
        return s;
    }

    @Override
    public void importState(Map<String, INDArray> state) {
        ring.assign(Optimizer.require(state, "grokfast_ring", ring).reshape(ring.shape()));
        seen = (long) Optimizer.require(state, "grokfast_seen", Nd4j.zeros(1)).getDouble(0);
        sum.assign(Optimizer.require(state, "grokfast_sum", sum).reshape(sum.shape()));
    }
}
