package io.grokwatch.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.trainer.model.ParamSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class OptimizerTest {
    private static ParamSet params(double[] w, double[] g) {
        ParamSet ps = ParamSet.builder().add("w", 1, w.length).build(DataType.DOUBLE);
        for (int i = 0; i < w.length; i++) {
            ps.value("w").putScalar(0, i, w[i]);
            ps.grad("w").putScalar(0, i, g[i]);
        }
        return ps;
    }

    @Test
    void adamWTwoStepsEqualTorchsFormulas() {
        AdamW opt = twoStepsAgainstTorch(AdamW.Decay.DECOUPLED).opt();
        assertThat(opt.steps()).isEqualTo(2);
    }

    @Test
    void adamWithL2TwoStepsEqualTorchAdamsFormulas() {
        ParamSet ps = twoStepsAgainstTorch(AdamW.Decay.L2).params();
        // w[2] had a zero first gradient: only the L2 term moved it, by a full Adam step towards zero
        assertThat(ps.value("w").getDouble(0, 2)).isLessThan(2.0);
    }

    private record Stepped(AdamW opt, ParamSet params) {}

    /** Two steps of AdamW against torch.optim.AdamW's (DECOUPLED) or torch.optim.Adam's (L2) update, written out. */
    private static Stepped twoStepsAgainstTorch(AdamW.Decay decay) {
        double[] w = {0.5, -1.0, 2.0};
        double[] g1 = {0.1, -0.3, 0.0};
        double[] g2 = {-0.2, 0.4, 1.0};
        double lr = 0.01, b1 = 0.9, b2 = 0.98, eps = 1e-8, wd = 0.5;
        ParamSet ps = params(w, g1);
        AdamW opt = new AdamW(ps, new AdamW.Config(lr, b1, b2, eps, wd, 0), decay);
        opt.step(ps);
        for (int i = 0; i < 3; i++) {
            ps.grad("w").putScalar(0, i, g2[i]);
        }
        opt.step(ps);
        for (int i = 0; i < 3; i++) {
            double p = w[i], m = 0, v = 0;
            double[][] gs = {g1, g2};
            for (int t = 1; t <= 2; t++) {
                double g = gs[t - 1][i];
                if (decay == AdamW.Decay.L2) {
                    g += wd * p; // torch.optim.Adam: the decay term joins the gradient
                } else {
                    p *= 1 - lr * wd;
                }
                m = b1 * m + (1 - b1) * g;
                v = b2 * v + (1 - b2) * g * g;
                double denom = Math.sqrt(v) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p -= lr / (1 - Math.pow(b1, t)) * m / denom;
            }
            assertThat(ps.value("w").getDouble(0, i)).as("%s w[%d]", decay, i).isCloseTo(p, within(1e-12));
        }
        return new Stepped(opt, ps);
    }

    @Test
    void warmupIsLinearFromZeroLikeLambdaLr() {
        ParamSet ps = params(new double[] {1}, new double[] {1});
        AdamW opt = new AdamW(ps, new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1, 10));
        assertThat(opt.learningRate()).isZero();
        opt.step(ps);
        assertThat(opt.learningRate()).isCloseTo(1e-4, within(1e-15));
        for (int i = 0; i < 20; i++) {
            opt.step(ps);
        }
        assertThat(opt.learningRate()).isEqualTo(1e-3);
    }

    @Test
    void adamWStateRoundTrips() {
        ParamSet ps = params(new double[] {1, 2}, new double[] {0.5, -0.5});
        AdamW a = new AdamW(ps, new AdamW.Config(0.1, 0.9, 0.999, 1e-8, 0.1, 0));
        a.step(ps);
        Map<String, INDArray> state = a.exportState();
        ParamSet ps2 = params(new double[] {1, 2}, new double[] {0.5, -0.5});
        ps2.flatValues().assign(ps.flatValues());
        AdamW b = new AdamW(ps2, new AdamW.Config(0.1, 0.9, 0.999, 1e-8, 0.1, 0));
        b.importState(state);
        a.step(ps);
        b.step(ps2);
        assertThat(b.steps()).isEqualTo(2);
        assertThat(ps2.flatValues().equalsWithEps(ps.flatValues(), 0)).isTrue();
        assertThatThrownBy(() -> b.importState(Map.of())).hasMessageStartingWith("optimizer state is missing exp_avg");
    }

    @Test
    void sgdWithMomentumMatchesTorch() {
        ParamSet ps = params(new double[] {1.0}, new double[] {0.5});
        Sgd sgd = new Sgd(ps, new Sgd.Config(0.1, 0.9, 0.01, 0));
        sgd.step(ps); // buf = g + wd p = 0.51; p = 1 - 0.051
        assertThat(ps.value("w").getDouble(0, 0)).isCloseTo(0.949, within(1e-12));
        sgd.step(ps); // buf = 0.9*0.51 + 0.5 + 0.01*0.949
        double buf = 0.9 * 0.51 + 0.5 + 0.01 * 0.949;
        assertThat(ps.value("w").getDouble(0, 0)).isCloseTo(0.949 - 0.1 * buf, within(1e-12));
    }

    @Test
    void grokfastEmaFollowsLeeEtAl() {
        ParamSet ps = params(new double[] {0, 0}, new double[] {1.0, -2.0});
        GrokfastEma f = new GrokfastEma(ps, 0.98, 2.0);
        f.apply(ps); // ema = g; g = g + 2 g
        assertThat(ps.grad("w").getDouble(0, 0)).isCloseTo(3.0, within(1e-12));
        assertThat(ps.grad("w").getDouble(0, 1)).isCloseTo(-6.0, within(1e-12));
        ps.grad("w").putScalar(0, 0, 0.5);
        ps.grad("w").putScalar(0, 1, 0.0);
        f.apply(ps); // ema = 0.98 * ema + 0.02 * g_raw; g = g_raw + 2 ema
        double ema0 = 0.98 * 1.0 + 0.02 * 0.5;
        double ema1 = 0.98 * -2.0;
        assertThat(ps.grad("w").getDouble(0, 0)).isCloseTo(0.5 + 2 * ema0, within(1e-12));
        assertThat(ps.grad("w").getDouble(0, 1)).isCloseTo(2 * ema1, within(1e-12));
        assertThat(f.exportState().get("grokfast_ema").getDouble(0)).isCloseTo(ema0, within(1e-12));
    }

    @Test
    void grokfastMaAddsTheWindowMeanOnceFull() {
        ParamSet ps = params(new double[] {0}, new double[] {0});
        GrokfastMa f = new GrokfastMa(ps, 3, 5.0);
        double[] raw = {1, 2, 3, 4, 5, 6, 7};
        for (int t = 0; t < raw.length; t++) {
            ps.grad("w").putScalar(0, 0, raw[t]);
            f.apply(ps);
            double want = raw[t];
            if (t >= 2) {
                want += 5.0 * (raw[t] + raw[t - 1] + raw[t - 2]) / 3;
            }
            assertThat(ps.grad("w").getDouble(0, 0)).as("step %d", t).isCloseTo(want, within(1e-9));
        }
    }

    @Test
    void orthoGradRemovesTheComponentAlongTheWeights() {
        ParamSet ps = params(new double[] {3, 4}, new double[] {1, 1});
        new OrthoGrad(false).apply(ps);
        INDArray g = ps.grad("w");
        // g - (w.g / w.w) w = (1,1) - 7/25 (3,4)
        assertThat(g.getDouble(0, 0)).isCloseTo(1 - 21.0 / 25, within(1e-12));
        assertThat(g.getDouble(0, 1)).isCloseTo(1 - 28.0 / 25, within(1e-12));
        ParamSet ps2 = params(new double[] {3, 4}, new double[] {1, 1});
        new OrthoGrad(true).apply(ps2);
        INDArray g2 = ps2.grad("w");
        assertThat(3 * g2.getDouble(0, 0) + 4 * g2.getDouble(0, 1)).isCloseTo(0, within(1e-12));
        assertThat(g2.norm2Number().doubleValue()).isCloseTo(Math.sqrt(2), within(1e-12));
    }
}
