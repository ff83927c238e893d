package io.grokwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MlpTest {
    @Test
    void gradientsMatchFiniteDifferencesWithOneHiddenLayer() {
        Random rng = new Random(1);
        Mlp m = new Mlp(new Mlp.Config(7, 4, List.of(5), 7), DataType.DOUBLE, 3);
        GradCheck.check(m, GradCheck.randomBatch(9, 7, rng), GradCheck.randomLabels(9, 7, rng), Loss.CROSS_ENTROPY);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithTwoHiddenLayersAndStableMax() {
        Random rng = new Random(2);
        Mlp m = new Mlp(new Mlp.Config(5, 3, List.of(6, 4), 5), DataType.DOUBLE, 4);
        GradCheck.check(m, GradCheck.randomBatch(8, 5, rng), GradCheck.randomLabels(8, 5, rng), Loss.STABLEMAX);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithNoHiddenLayer() {
        Random rng = new Random(3);
        Mlp m = new Mlp(new Mlp.Config(5, 3, List.of(), 5), DataType.DOUBLE, 5);
        GradCheck.check(m, GradCheck.randomBatch(6, 5, rng), GradCheck.randomLabels(6, 5, rng), Loss.CROSS_ENTROPY);
    }

    @Test
    void aOneRowBatchTrains() {
        // a (1, n) array's row stride is not n in ND4J; the row gather and scatter must not reject it
        Random rng = new Random(4);
        Mlp m = new Mlp(new Mlp.Config(6, 3, List.of(4), 6), DataType.DOUBLE, 2);
        GradCheck.check(m, GradCheck.randomBatch(1, 6, rng), GradCheck.randomLabels(1, 6, rng), Loss.CROSS_ENTROPY);
    }

    @Test
    void forwardEqualsTheConcatenatedEmbeddingFormula() {
        Mlp m = new Mlp(new Mlp.Config(6, 3, List.of(4), 6), DataType.DOUBLE, 7);
        Batch batch = new Batch(new int[] {0, 5, 2}, new int[] {1, 5, 3});
        INDArray logits = m.forward(batch).dup();
        ParamSet ps = m.params();
        INDArray e = ps.value("embed.weight");
        for (int i = 0; i < 3; i++) {
            INDArray x = Nd4j.hstack(e.getRow(batch.a()[i], true), e.getRow(batch.b()[i], true)); // (1, 2d)
            INDArray h = x.mmul(ps.value("layers.0.weight")).addi(ps.value("layers.0.bias"));
            h = org.nd4j.linalg.ops.transforms.Transforms.relu(h);
            INDArray out = h.mmul(ps.value("layers.1.weight")).addi(ps.value("layers.1.bias"));
            assertThat(out.equalsWithEps(logits.getRow(i, true), 1e-12)).isTrue();
        }
    }

    @Test
    void defaultsAreSimpleGrokkingsShapeAndInit() {
        Mlp m = new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0);
        assertThat(m.paramCount()).isEqualTo(53 * 128 + 256 * 128 + 128 + 128 * 53 + 53);
        double bound = 1 / Math.sqrt(256);
        assertThat(m.params().value("layers.0.weight").amaxNumber().doubleValue())
                .isLessThanOrEqualTo(bound);
        double std = m.params().value("embed.weight").stdNumber().doubleValue();
        assertThat(std).isBetween(0.95, 1.05);
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        Mlp m = new Mlp(new Mlp.Config(5, 3, List.of(4), 5), DataType.DOUBLE, 0);
        assertThatThrownBy(() -> m.forward(new Batch(new int[] {5}, new int[] {0})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token at row 0 outside [0, 5): 5, 0");
    }
}
