package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.events.EmbeddingSnapshot;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FourierPlaneTest {
    private static final int P = 31;

    /**
     * Residue x at angle 2 pi k x / p in two random directions a, b of a 12-dim space, plus a cosine
     * of frequency 3 along a direction c orthogonal to both (as a grokked model keeps its frequencies
     * apart), plus a constant.
     */
    private static EmbeddingSnapshot twoFrequencies(int k) {
        Random r = new Random(3);
        int dim = 12;
        double[] a = new double[dim];
        double[] b = new double[dim];
        double[] c = new double[dim];
        for (int i = 0; i < dim; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
            c[i] = r.nextGaussian();
        }
        orthogonalize(c, a);
        orthogonalize(c, orthogonalized(b, a));
        float[] data = new float[P * dim];
        for (int x = 0; x < P; x++) {
            double angle = 2 * Math.PI * k * x / P;
            for (int d = 0; d < dim; d++) {
                data[x * dim + d] = (float) (Math.cos(angle) * a[d]
                        + Math.sin(angle) * b[d]
                        + 0.7 * Math.cos(2 * Math.PI * 3 * x / P) * c[d]
                        + 5);
            }
        }
        return new EmbeddingSnapshot("r", 1, 1, "add", P, P, dim, data);
    }

    @Test
    void theKeyFrequencysPlaneShowsResidueXAtAngleTwoPiKxOverPOnAnEllipse() {
        int k = 7;
        double[] pts = FourierPlane.project(twoFrequencies(k), k);
        assertThat(pts).hasSize(2 * P);

        // point(x) = M (cos t_x, sin t_x), t_x = 2 pi k x / p, for one 2x2 matrix M: solve M from x = 0 and 1
        double c0 = 1;
        double s0 = 0;
        double c1 = Math.cos(2 * Math.PI * k / P);
        double s1 = Math.sin(2 * Math.PI * k / P);
        double det = c0 * s1 - s0 * c1;
        double m00 = (pts[0] * s1 - pts[2] * s0) / det;
        double m01 = (pts[2] * c0 - pts[0] * c1) / det;
        double m10 = (pts[1] * s1 - pts[3] * s0) / det;
        double m11 = (pts[3] * c0 - pts[1] * c1) / det;
        double scale = Math.hypot(m00, m10) + Math.hypot(m01, m11);
        assertThat(Math.abs(m00 * m11 - m01 * m10))
                .as("a real ellipse, not a line")
                .isGreaterThan(0.01 * scale * scale);
        for (int x = 0; x < P; x++) {
            double t = 2 * Math.PI * k * x / P;
            assertThat(pts[2 * x])
                    .as("x of residue " + x)
                    .isCloseTo(m00 * Math.cos(t) + m01 * Math.sin(t), within(1e-4 * scale));
            assertThat(pts[2 * x + 1])
                    .as("y of residue " + x)
                    .isCloseTo(m10 * Math.cos(t) + m11 * Math.sin(t), within(1e-4 * scale));
        }
    }

    @Test
    void aFrequencyWithOnlyACosinePartHasNoPlane() {
        assertThat(FourierPlane.project(twoFrequencies(7), 3)).isEmpty();
    }

    private static void orthogonalize(double[] v, double[] against) {
        double dot = 0;
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            dot += v[i] * against[i];
            norm += against[i] * against[i];
        }
        for (int i = 0; i < v.length; i++) v[i] -= dot / norm * against[i];
    }

    private static double[] orthogonalized(double[] v, double[] against) {
        double[] out = v.clone();
        orthogonalize(out, against);
        return out;
    }

    @Test
    void aPureCircleStaysACircle() {
        float[] data = new float[P * 2];
        for (int x = 0; x < P; x++) {
            data[2 * x] = (float) Math.cos(2 * Math.PI * 4 * x / P);
            data[2 * x + 1] = (float) Math.sin(2 * Math.PI * 4 * x / P);
        }
        double[] pts = FourierPlane.project(new EmbeddingSnapshot("r", 1, 1, "add", P, P, 2, data), 4);
        for (int x = 0; x < P; x++) {
            assertThat(Math.hypot(pts[2 * x], pts[2 * x + 1])).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void outOfRangeFrequenciesAndNonModularTasksGiveNothing() {
        assertThat(FourierPlane.project(twoFrequencies(7), 0)).isEmpty();
        assertThat(FourierPlane.project(twoFrequencies(7), P / 2 + 1)).isEmpty();
        assertThat(FourierPlane.project(new EmbeddingSnapshot("r", 1, 1, "s5", 0, 4, 2, new float[8]), 1))
                .isEmpty();
    }
}
