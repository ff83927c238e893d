package io.grokwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossTest {
    private static final double[][] LOGITS = {{1.5, -2.0, 0.3, 0.0}, {-0.7, -0.1, -3.0, 2.2}, {0.0, 0.0, 5.0, -5.0}};
    private static final int[] LABELS = {0, 3, 1};

    @Test
    void crossEntropyMatchesTheDefinitionAndCountsArgmax() {
        Loss.Result r = Loss.CROSS_ENTROPY.evaluate(Nd4j.create(LOGITS), LABELS, null);
        double want = 0;
        for (int i = 0; i < 3; i++) {
            double sum = 0;
            for (double x : LOGITS[i]) {
                sum += Math.exp(x);
            }
            want += -Math.log(Math.exp(LOGITS[i][LABELS[i]]) / sum) / 3;
        }
        assertThat(r.loss()).isCloseTo(want, within(1e-12));
        assertThat(r.correct()).isEqualTo(2);
    }

    @Test
    void crossEntropyIsStableForHugeLogitsInFloat() {
        INDArray x = Nd4j.create(new float[][] {{1000f, 0f, -1000f}});
        Loss.Result r = Loss.CROSS_ENTROPY.evaluate(x, new int[] {1}, Nd4j.create(DataType.FLOAT, 1, 3));
        assertThat(r.loss()).isCloseTo(1000.0, within(1e-6));
    }

    @Test
    void stableMaxMatchesTheDefinition() {
        Loss.Result r = Loss.STABLEMAX.evaluate(Nd4j.create(LOGITS), LABELS, null);
        double want = 0;
        for (int i = 0; i < 3; i++) {
            double sum = 0;
            for (double x : LOGITS[i]) {
                sum += x >= 0 ? x + 1 : 1 / (1 - x);
            }
            double xy = LOGITS[i][LABELS[i]];
            want += -Math.log((xy >= 0 ? xy + 1 : 1 / (1 - xy)) / sum) / 3;
        }
        assertThat(r.loss()).isCloseTo(want, within(1e-12));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (Loss loss : Loss.values()) {
            INDArray x = Nd4j.create(LOGITS);
            INDArray g = Nd4j.create(DataType.DOUBLE, 3, 4);
            loss.evaluate(x, LABELS, g);
            double eps = 1e-6;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    double orig = x.getDouble(i, j);
                    x.putScalar(i, j, orig + eps);
                    double up = loss.evaluate(x, LABELS, null).loss();
                    x.putScalar(i, j, orig - eps);
                    double down = loss.evaluate(x, LABELS, null).loss();
                    x.putScalar(i, j, orig);
                    double numeric = (up - down) / (2 * eps);
                    double analytic = g.getDouble(i, j);
                    assertThat(Math.abs(numeric - analytic))
                            .as("%s d/dx[%d,%d]", loss, i, j)
                            .isLessThanOrEqualTo(1e-5 * Math.max(Math.abs(numeric), Math.abs(analytic)) + 1e-9);
                }
            }
        }
    }

    @Test
    void fastExponentialMatchesMathExpFarBelowFloatPrecision() {
        java.util.Random rng = new java.util.Random(7);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double x = i < 1000 ? -i * 1e-3 : -rng.nextDouble() * (i % 2 == 0 ? 5 : 700);
            worst = Math.max(worst, Math.abs(Loss.expNonPositive(x) / Math.exp(x) - 1));
        }
        assertThat(worst).isLessThan(1e-9);
        assertThat(Loss.expNonPositive(0)).isEqualTo(1.0);
        assertThat(Loss.expNonPositive(-800)).isZero();
        assertThat(Loss.expNonPositive(Double.NEGATIVE_INFINITY)).isZero();
        assertThat(Loss.expNonPositive(Double.NaN)).isNaN();
    }

    @Test
    void floatAndDoubleLogitsGiveTheSameLossAndGradient() {
        INDArray d = Nd4j.create(LOGITS);
        INDArray f = d.castTo(DataType.FLOAT);
        INDArray gd = Nd4j.create(DataType.DOUBLE, 3, 4);
        INDArray gf = Nd4j.create(DataType.FLOAT, 3, 4);
        Loss.Result rd = Loss.CROSS_ENTROPY.evaluate(d, LABELS, gd);
        Loss.Result rf = Loss.CROSS_ENTROPY.evaluate(f, LABELS, gf);
        assertThat(rf.loss()).isCloseTo(rd.loss(), within(1e-6));
        assertThat(gf.castTo(DataType.DOUBLE).equalsWithEps(gd, 1e-7)).isTrue();
    }

    @Test
    void shardsWithTheBatchsRowCountAddUpToTheBatchsMean() {
        for (Loss loss : Loss.values()) {
            INDArray x = Nd4j.create(LOGITS);
            INDArray g = Nd4j.create(DataType.DOUBLE, 3, 4);
            Loss.Result whole = loss.evaluate(x, LABELS, g);
            // rows {0} and {1, 2} as shards of the 3-row batch
            INDArray g0 = Nd4j.create(DataType.DOUBLE, 1, 4);
            INDArray g12 = Nd4j.create(DataType.DOUBLE, 2, 4);
            Loss.Result r0 = loss.evaluate(Nd4j.create(new double[][] {LOGITS[0]}), new int[] {LABELS[0]}, g0, 3);
            Loss.Result r12 = loss.evaluate(
                    Nd4j.create(new double[][] {LOGITS[1], LOGITS[2]}), new int[] {LABELS[1], LABELS[2]}, g12, 3);
            assertThat(r0.loss() + r12.loss()).as("%s", loss).isCloseTo(whole.loss(), within(1e-15));
            assertThat(r0.correct() + r12.correct()).isEqualTo(whole.correct());
            assertThat(r12.n()).isEqualTo(2);
            assertThat(Nd4j.vstack(g0, g12).equalsWithEps(g, 1e-15))
                    .as("%s gradient", loss)
                    .isTrue();
        }
        assertThatThrownBy(() -> Loss.CROSS_ENTROPY.evaluate(Nd4j.create(LOGITS), LABELS, null, 0))
                .hasMessage("meanOver must be >= 1, got 0");
    }
}
