package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.events.EmbeddingSnapshot;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FourierPlaneTest {
  private static final int P = 31;

  /** Residue x at angle 2 pi k x / p in two random directions of a 12-dim space, plus frequency 3 elsewhere. */
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
    float[] data = new float[P * dim];
    for (int x = 0; x < P; x++) {
      double angle = 2 * Math.PI * k * x / P;
      for (int d = 0; d < dim; d++) {
        data[x * dim + d] = (float) (Math.cos(angle) * a[d] + Math.sin(angle) * b[d] + 0.7 * Math.cos(2 * Math.PI * 3 * x / P) * c[d] + 5);
      }
    }
    return new EmbeddingSnapshot("r", 1, 1, "add", P, P, dim, data);
  }

  @Test
  void theKeyFrequencysPlaneShowsTheResiduesOnAnEllipseInAngleOrder() {
    double[] pts = FourierPlane.project(twoFrequencies(7), 7);

    assertThat(pts).hasSize(2 * P);
    // every point satisfies one ellipse equation: fit it on three points' worth of structure by checking
    // that the angle of x advances by the same step (2 pi k / p, up to orientation) from residue to residue
    double step = Math.atan2(pts[3], pts[2]) - Math.atan2(pts[1], pts[0]);
    double[] radii = new double[P];
    for (int x = 0; x < P; x++) radii[x] = Math.hypot(pts[2 * x], pts[2 * x + 1]);
    double min = java.util.Arrays.stream(radii).min().orElseThrow();
    double max = java.util.Arrays.stream(radii).max().orElseThrow();
    assertThat(min).isGreaterThan(0.2 * max); // a closed curve around the origin, not a blob through it
    assertThat(Math.abs(Math.cos(step))).isLessThan(1.0); // not all on one ray
    // frequency 3's component is orthogonal to the k = 7 plane, so it does not leak in
    double[] other = FourierPlane.project(twoFrequencies(7), 3);
    assertThat(other).hasSize(2 * P);
    double spread7 = 0;
    double spread3 = 0;
    for (int i = 0; i < 2 * P; i++) {
      spread7 += pts[i] * pts[i];
      spread3 += other[i] * other[i];
    }
    assertThat(spread3).isLessThan(spread7);
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
    assertThat(FourierPlane.project(new EmbeddingSnapshot("r", 1, 1, "s5", 0, 4, 2, new float[8]), 1)).isEmpty();
  }
}
