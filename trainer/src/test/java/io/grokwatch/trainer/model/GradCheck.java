package io.grokwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Central finite differences in double precision against a model's analytic gradients. */
final class GradCheck {
    static final double EPS = 1e-6;
    static final double MAX_REL = 1e-5;
    /** Round-off floor of a central difference: ~1e-16 * |loss| / EPS, with margin. */
    static final double ABS_FLOOR = 1e-9;
    /** Entries checked per parameter tensor (all of them when the tensor is smaller). */
    static final int PER_TENSOR = 12;

    private GradCheck() {}

    static Batch randomBatch(int n, int vocab, Random rng) {
        int[] a = new int[n];
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextInt(vocab);
            b[i] = rng.nextInt(vocab);
        }
        return new Batch(a, b);
    }

    static int[] randomLabels(int n, int classes, Random rng) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(classes);
        }
        return y;
    }

    /**
     * Checks up to PER_TENSOR random entries of every parameter tensor: |a - n| <= MAX_REL * max(|a|, |n|) + ABS_FLOOR.
     * Returns the worst relative error among entries whose gradient is above the floor.
     */
    static double check(Model model, Batch batch, int[] labels, Loss loss) {
        // analytic gradients through the training step, so a model that shards it is checked on that path
        model.trainStep(batch, labels, loss, Nd4j.create(DataType.DOUBLE, batch.size(), model.classes()));
        double worst = 0;
        for (ParamSet.Param p : model.params().list()) {
            INDArray value = p.valueVector();
            INDArray grad = p.gradVector().dup();
            Random pick = new Random(p.name().hashCode());
            int count = (int) Math.min(PER_TENSOR, value.length());
            for (int c = 0; c < count; c++) {
                long i = value.length() <= PER_TENSOR ? c : pick.nextInt((int) value.length());
                double orig = value.getDouble(i);
                value.putScalar(i, orig + EPS);
                double up = loss.evaluate(model.forward(batch), labels, null).loss();
                value.putScalar(i, orig - EPS);
                double down = loss.evaluate(model.forward(batch), labels, null).loss();
                value.putScalar(i, orig);
                double numeric = (up - down) / (2 * EPS);
                double analytic = grad.getDouble(i);
                double scale = Math.max(Math.abs(numeric), Math.abs(analytic));
                assertThat(Math.abs(numeric - analytic))
                        .as("%s[%d]: analytic %s, numeric %s", p.name(), i, analytic, numeric)
                        .isLessThanOrEqualTo(MAX_REL * scale + ABS_FLOOR);
                if (scale > 1e-4) {
                    worst = Math.max(worst, Math.abs(numeric - analytic) / scale);
                }
            }
        }
        return worst;
    }
}
