package io.grokwatch.analyzer.structure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.StructureAnalysis;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StructureAnalyzerTest {

    /**
     * Rows i = 0..p-1: amplitude-weighted cos/sin of 2πk·i/p for each frequency, mixed into
     * {@code cols} columns by {@code mixing} (features x cols), plus Gaussian noise.
     */
    static EmbeddingSnapshot fourier(
            int p, int cols, int[] ks, double[] amplitudes, double[][] mixing, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[p * cols];
        for (int i = 0; i < p; i++) {
            double[] features = new double[2 * ks.length];
            for (int j = 0; j < ks.length; j++) {
                double angle = 2 * Math.PI * ks[j] * i / p;
                features[2 * j] = amplitudes[j] * Math.cos(angle);
                features[2 * j + 1] = amplitudes[j] * Math.sin(angle);
            }
            for (int c = 0; c < cols; c++) {
                double v = 0;
                for (int f = 0; f < features.length; f++) v += features[f] * mixing[f][c];
                data[i * cols + c] = (float) (v + noise * r.nextGaussian());
            }
        }
        return new EmbeddingSnapshot("run", 100, 1, "x+y", p, p, cols, data);
    }

    static EmbeddingSnapshot gaussian(int p, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[p * cols];
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
        return new EmbeddingSnapshot("run", 100, 1, "x+y", p, p, cols, data);
    }

    /** n orthonormal rows of length cols (Gram-Schmidt of Gaussian vectors). */
    static double[][] orthonormal(int n, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] q = new double[n][cols];
        for (int a = 0; a < n; a++) {
            for (int c = 0; c < cols; c++) q[a][c] = r.nextGaussian();
            for (int b = 0; b < a; b++) {
                double d = 0;
                for (int c = 0; c < cols; c++) d += q[a][c] * q[b][c];
                for (int c = 0; c < cols; c++) q[a][c] -= d * q[b][c];
            }
            double norm = 0;
            for (int c = 0; c < cols; c++) norm += q[a][c] * q[a][c];
            for (int c = 0; c < cols; c++) q[a][c] /= Math.sqrt(norm);
        }
        return q;
    }

    static double[][] gaussianMixing(int n, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] m = new double[n][cols];
        for (double[] row : m) for (int c = 0; c < cols; c++) row[c] = r.nextGaussian();
        return m;
    }

    @Test
    void fourierCircleEmbeddingHasItsKeyFrequenciesFullShareRqiOneAndACirclePca() {
        int p = 97;
        EmbeddingSnapshot s = fourier(p, 128, new int[] {3, 7}, new double[] {2, 1}, orthonormal(4, 128, 1), 0, 0);
        StructureAnalysis a = StructureAnalyzer.analyze(s, 2, 5);

        assertThat(a.keyFrequencies()).containsExactly(3, 7);
        assertThat(a.fourierTopKShare()).isCloseTo(1.0, within(1e-6));
        assertThat(a.rqi()).isCloseTo(1.0, within(1e-9));
        // energies 4:4:1:1 over the two planes
        assertThat(a.pcaExplained()[0]).isCloseTo(0.4, within(1e-6));
        assertThat(a.pcaExplained()[1]).isCloseTo(0.4, within(1e-6));
        assertThat(a.pcaExplained()[2]).isCloseTo(0.1, within(1e-6));
        // the 2-D projection is the k=3 circle: constant radius, consecutive residues 3·2π/p apart
        double[] radius = new double[p];
        for (int i = 0; i < p; i++) radius[i] = Math.hypot(a.pca2d()[2 * i], a.pca2d()[2 * i + 1]);
        for (double rr : radius) assertThat(rr).isCloseTo(radius[0], within(1e-4 * radius[0]));
        double angle01 = Math.abs(Math.atan2(a.pca2d()[3], a.pca2d()[2]) - Math.atan2(a.pca2d()[1], a.pca2d()[0]));
        angle01 = Math.min(angle01, 2 * Math.PI - angle01);
        assertThat(angle01).isCloseTo(2 * Math.PI * 3 / p, within(1e-4));
        assertThat(a.run()).isEqualTo("run");
        assertThat(a.step()).isEqualTo(100);
        assertThat(a.time()).isEqualTo(5);
    }

    @Test
    void rqiIsOneForAnyMixingOfTheFrequencies() {
        EmbeddingSnapshot s =
                fourier(59, 48, new int[] {5, 11, 20}, new double[] {1, 0.7, 0.5}, gaussianMixing(6, 48, 2), 0, 0);
        StructureAnalysis a = StructureAnalyzer.analyze(s, 3, 0);
        assertThat(a.keyFrequencies()).containsExactlyInAnyOrder(5, 11, 20);
        assertThat(a.fourierTopKShare()).isCloseTo(1.0, within(1e-6));
        assertThat(a.rqi()).isGreaterThan(0.999);
    }

    @Test
    void gaussianEmbeddingsHaveLowShareAndLowRqi() {
        for (int p : new int[] {11, 23, 97, 113}) {
            StructureAnalysis a = StructureAnalyzer.analyze(gaussian(p, 128, p), 2, 0);
            assertThat(a.fourierTopKShare()).as("share p=%d", p).isLessThan(p <= 11 ? 0.6 : 0.25);
            assertThat(a.rqi()).as("rqi p=%d", p).isLessThan(0.1);
            assertThat(a.keyFrequencies()).hasSize(2);
        }
    }

    @Test
    void rqiFallsAsNoiseBlursTheCircles() {
        double[][] mixing = orthonormal(2, 64, 3);
        double[] noises = {0.0, 0.02, 0.05, 0.07, 0.1, 0.5};
        double[] rqi = new double[noises.length];
        for (int i = 0; i < noises.length; i++) {
            rqi[i] = StructureAnalyzer.analyze(
                            fourier(53, 64, new int[] {4}, new double[] {1}, mixing, noises[i], 9), 1, 0)
                    .rqi();
            if (i > 0) assertThat(rqi[i]).as("rqi at noise %s", noises[i]).isLessThanOrEqualTo(rqi[i - 1]);
        }
        assertThat(rqi[0]).isEqualTo(1.0);
        assertThat(rqi[2]).as("87%% of the energy on the circle").isGreaterThan(0.9);
        assertThat(rqi[5]).isLessThan(0.01);
    }

    @Test
    void extraRowsTakePartInPcaOnlyAndNoModulusMeansNoFourier() {
        EmbeddingSnapshot zp = fourier(31, 16, new int[] {2}, new double[] {1}, orthonormal(2, 16, 4), 0, 0);
        float[] withEquals = java.util.Arrays.copyOf(zp.data(), zp.data().length + 16);
        java.util.Arrays.fill(withEquals, zp.data().length, withEquals.length, 0.25f);
        StructureAnalysis a =
                StructureAnalyzer.analyze(new EmbeddingSnapshot("run", 1, 1, "x+y", 31, 32, 16, withEquals), 1, 0);
        assertThat(a.keyFrequencies()).containsExactly(2);
        assertThat(a.rqi()).isCloseTo(1.0, within(1e-9));
        assertThat(a.pca2d()).hasSize(64);

        StructureAnalysis none =
                StructureAnalyzer.analyze(new EmbeddingSnapshot("run", 1, 1, "s5", 0, 32, 16, withEquals), 3, 0);
        assertThat(none.keyFrequencies()).isEmpty();
        assertThat(none.fourierTopKShare()).isNaN();
        assertThat(none.rqi()).isNaN();
        assertThat(none.pcaExplained()).isNotEmpty();
    }

    @Test
    void nonFiniteEmbeddingsGiveNaNNotGarbage() {
        float[] data = gaussian(13, 8, 1).data();
        data[5] = Float.NaN;
        StructureAnalysis a =
                StructureAnalyzer.analyze(new EmbeddingSnapshot("run", 1, 1, "x+y", 13, 13, 8, data), 2, 0);
        assertThat(a.rqi()).isNaN();
        assertThat(a.fourierTopKShare()).isNaN();
        assertThat(a.keyFrequencies()).isEmpty();
        assertThat(a.pcaExplained()).isEmpty();
    }

    @Test
    void isDeterministic() {
        EmbeddingSnapshot s =
                fourier(113, 128, new int[] {14, 35, 41}, new double[] {1, 1, 0.8}, gaussianMixing(6, 128, 5), 0.05, 6);
        assertThat(StructureAnalyzer.analyze(s, 5, 7)).isEqualTo(StructureAnalyzer.analyze(s, 5, 7));
    }

    @Test
    void jacobiSolvesASmallKnownMatrix() {
        SymmetricEigen e = SymmetricEigen.of(new double[][] {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}});
        assertThat(e.values()).containsExactly(new double[] {5, 3, 1}, within(1e-12));
        assertThat(Math.abs(e.vectors()[1][0])).isCloseTo(Math.sqrt(0.5), within(1e-12));
        assertThat(e.vectors()[1][0] * e.vectors()[1][1]).isCloseTo(0.5, within(1e-12));
    }
}
