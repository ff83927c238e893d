package io.grokwatch.trainer.model;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class TransformerTest {
    @Test
    void oneLayerWithoutLayerNormMatchesFiniteDifferences() {
        Random rng = new Random(11);
        // classes 5, vocab 6 ('=' = 5); d 8, 2 heads, d_mlp 6; larger init so attention is far from uniform
        Transformer t = new Transformer(new Transformer.Config(6, 5, 1, 8, 2, 6, false, 0.5), DataType.DOUBLE, 1);
        GradCheck.check(t, GradCheck.randomBatch(7, 5, rng), GradCheck.randomLabels(7, 5, rng), Loss.CROSS_ENTROPY);
    }

    @Test
    void twoLayersWithLayerNormMatchFiniteDifferences() {
        Random rng = new Random(12);
        Transformer t = new Transformer(new Transformer.Config(6, 5, 2, 8, 2, 6, true, 0.5), DataType.DOUBLE, 2);
        // non-trivial LayerNorm gains and biases, so their gradients are exercised away from (1, 0)
        for (ParamSet.Param p : t.params().list()) {
            if (p.name().contains("ln")) {
                ParamSet.uniform(p.value(), 1.0, rng);
            }
        }
        GradCheck.check(t, GradCheck.randomBatch(6, 5, rng), GradCheck.randomLabels(6, 5, rng), Loss.CROSS_ENTROPY);
    }

    @Test
    void threeLayersWithStableMaxMatchFiniteDifferences() {
        Random rng = new Random(13);
        Transformer t = new Transformer(new Transformer.Config(5, 4, 3, 4, 1, 5, false, 0.6), DataType.DOUBLE, 3);
        GradCheck.check(t, GradCheck.randomBatch(5, 4, rng), GradCheck.randomLabels(5, 4, rng), Loss.STABLEMAX);
    }
}
