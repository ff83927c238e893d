package io.grokwatch.cli.report;

import io.grokwatch.analyzer.structure.FourierEnergy;
import io.grokwatch.events.EmbeddingSnapshot;

/**
 * The residue embeddings projected onto the plane of one Fourier frequency k: the span of the
 * real and imaginary parts of the embedding's DFT at k (Nanda et al. 2023). A model that computes
 * with frequency k places residue x at angle 2&pi;kx/p there, so the points form a circle (an
 * ellipse in general) where a PCA of all dimensions, mixing several key frequencies, shows none.
 */
public final class FourierPlane {

    private FourierPlane() {}

    /**
     * Residues 0..p-1 as interleaved (x, y) coordinates in the plane of frequency {@code k}, or an
     * empty array when the snapshot is not over Z_p, k is out of 1..p/2, or the plane is degenerate.
     */
    public static double[] project(EmbeddingSnapshot s, int k) {
        int p = s.modulus();
        if (p < 3 || s.rows() < p || k < 1 || k > p / 2) return new double[0];
        double[][] rows = new double[p][];
        for (int i = 0; i < p; i++) {
            rows[i] = s.row(i);
            for (double x : rows[i]) if (!Double.isFinite(x)) return new double[0];
        }
        FourierEnergy e = FourierEnergy.of(rows, p);
        int cols = s.cols();
        // Orthonormal basis (u, v) of span{Re F_k, Im F_k} by Gram-Schmidt.
        double[] u = e.re()[k].clone();
        double[] v = e.im()[k].clone();
        double scale = Math.sqrt(e.energy()[k]);
        if (!normalize(u, scale)) {
            double[] t = u;
            u = v;
            v = t;
            if (!normalize(u, scale)) return new double[0];
        }
        double dot = 0;
        for (int c = 0; c < cols; c++) dot += u[c] * v[c];
        for (int c = 0; c < cols; c++) v[c] -= dot * u[c];
        if (!normalize(v, scale)) return new double[0]; // a pure cosine (or sine) at k: a line, not a plane
        double[] mean = new double[cols];
        for (double[] r : rows) for (int c = 0; c < cols; c++) mean[c] += r[c] / p;
        double[] out = new double[2 * p];
        for (int i = 0; i < p; i++) {
            double x = 0;
            double y = 0;
            for (int c = 0; c < cols; c++) {
                double centred = rows[i][c] - mean[c];
                x += centred * u[c];
                y += centred * v[c];
            }
            out[2 * i] = x;
            out[2 * i + 1] = y;
        }
        return out;
    }

    /** Scales {@code a} to length 1; false when it is negligible next to {@code scale} (float noise). */
    private static boolean normalize(double[] a, double scale) {
        double n = 0;
        for (double x : a) n += x * x;
        n = Math.sqrt(n);
        if (!(n > 1e-6 * scale) || n == 0) return false;
        for (int i = 0; i < a.length; i++) a[i] /= n;
        return true;
    }
}
