package io.grokwatch.analyzer.structure;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Representation quality index for a task over Z_p (after Liu et al. 2022): the fraction of
 * parallelograms a+b ≡ c+d (mod p) whose fourth corner the embedding predicts from the other three.
 *
 * <p>Liu et al. test {@code E_a + E_b ≈ E_c + E_d}, i.e. complete the parallelogram as
 * {@code E_d ≈ E_a + E_b - E_c}: right for an embedding linear in the token (their integer addition,
 * E_i = i·v, where adding to the token translates the embedding). A Z_p task wraps around, and the
 * embeddings modular-arithmetic networks learn are circles, one per key frequency (Nanda et al.
 * 2023): adding to the token rotates each circle, and on a circle the literal sum fails even for a
 * perfect embedding (E_a + E_b depends on a - b as well as a + b). So the completion here uses the
 * group law of each circle instead of vector addition, and compares it with the whole observed row:
 *
 * <ol>
 *   <li>Centre the residue rows x_i (i = 0..p-1); scale s = sqrt(mean_i |x_i|²).
 *   <li>For each key frequency k (top-k by Fourier energy, k ≠ p/2) the DFT column vector X_k gives
 *       the plane of its circle, a_k = (2/p)Re X_k, b_k = -(2/p)Im X_k: the frequency-k part of row i
 *       is exactly a_k·cos(2πki/p) + b_k·sin(2πki/p). Each row is fitted by least squares as
 *       Σ_k (α_k(i) a_k + β_k(i) b_k), jointly over the key frequencies; its phase on circle k is
 *       u_k(i) = (α_k(i) + iβ_k(i)) / |α_k(i) + iβ_k(i)|, exactly e^{2πi·k·i/p} for a perfect embedding.
 *   <li>Parallelogram (a, b, c, d), d = a+b-c mod p, {c, d} ≠ {a, b}: the completion is
 *       x̂_d = Σ_k (Re w_k a_k + Im w_k b_k) with w_k = u_k(a)·u_k(b)·conj(u_k(c)) (angles add like
 *       the tokens do). It holds when |x_d − x̂_d| ≤ {@value #TOLERANCE}·s. Energy of x_d outside the
 *       key frequencies counts against it, so high-dimensional random embeddings (which are unions
 *       of circles over all p/2 frequencies) score low; with k ≥ p/2 every embedding scores 1.
 *   <li>All parallelograms when p³ ≤ {@value #MAX_PARALLELOGRAMS}, else that many (a, b, c) drawn
 *       from a generator seeded by p, so the same snapshot always gives the same RQI.
 * </ol>
 */
public final class Rqi {
    private Rqi() {}

    /** Completion error, relative to the embedding scale, below which a parallelogram holds. */
    public static final double TOLERANCE = 0.5;
    /** Bound on the parallelograms examined. */
    public static final int MAX_PARALLELOGRAMS = 20_000;

    /** RQI in [0,1] of residue rows 0..p-1 given their spectrum and key frequencies; NaN without energy. */
    public static double of(double[][] rows, FourierEnergy spectrum, int[] keyFrequencies) {
        int p = spectrum.p();
        if (!(spectrum.total() > 0)) return Double.NaN;
        List<Integer> used = new ArrayList<>();
        for (int k : keyFrequencies) {
            if (2 * k != p && spectrum.energy()[k] > 0) used.add(k);
        }
        Model model = fit(rows, spectrum, used);
        if (model == null) return 0.0;
        return parallelogramShare(p, model);
    }

    /**
     * The key-frequency circle model of the residue rows.
     *
     * @param x centred residue rows
     * @param basis {@code basis[2m]} = a_k, {@code basis[2m+1]} = b_k of the m-th used frequency
     * @param phase {@code phase[m][i]} = {cos, sin} of residue i on circle m
     * @param tolerance2 squared absolute tolerance (TOLERANCE·s)²
     */
    private record Model(double[][] x, double[][] basis, double[][][] phase, double tolerance2) {}

    /**
     * Fits the model, or null when no frequency can be used. Frequencies whose directions are
     * linearly dependent on stronger ones (fewer columns than 2·frequencies) are dropped, weakest
     * first.
     */
    private static Model fit(double[][] rows, FourierEnergy s, List<Integer> used) {
        int p = s.p();
        int cols = rows[0].length;
        double[] mean = columnMeans(rows, p, cols);
        double[][] x = new double[p][cols];
        double sumSq = 0;
        for (int i = 0; i < p; i++) {
            for (int c = 0; c < cols; c++) {
                x[i][c] = rows[i][c] - mean[c];
                sumSq += x[i][c] * x[i][c];
            }
        }
        double tolerance2 = TOLERANCE * TOLERANCE * sumSq / p;
        while (!used.isEmpty()) {
            int m = used.size();
            double[][] basis = new double[2 * m][cols];
            for (int j = 0; j < m; j++) {
                int k = used.get(j);
                for (int c = 0; c < cols; c++) {
                    basis[2 * j][c] = 2.0 / p * s.re()[k][c];
                    basis[2 * j + 1][c] = -2.0 / p * s.im()[k][c];
                }
            }
            double[][] gram = new double[2 * m][2 * m];
            for (int a = 0; a < 2 * m; a++) {
                for (int b = a; b < 2 * m; b++) gram[a][b] = gram[b][a] = dot(basis[a], basis[b]);
            }
            double[][] chol = Cholesky.decompose(gram);
            if (chol == null) {
                used.remove(used.size() - 1);
                continue;
            }
            double[][][] phase = new double[m][p][2];
            double[] rhs = new double[2 * m];
            for (int i = 0; i < p; i++) {
                for (int a = 0; a < 2 * m; a++) rhs[a] = dot(basis[a], x[i]);
                double[] coef = Cholesky.solve(chol, rhs);
                for (int j = 0; j < m; j++) {
                    double norm = Math.hypot(coef[2 * j], coef[2 * j + 1]);
                    // a row with no component on this circle has no phase; (0, 0) predicts nothing there
                    phase[j][i][0] = norm > 0 ? coef[2 * j] / norm : 0;
                    phase[j][i][1] = norm > 0 ? coef[2 * j + 1] / norm : 0;
                }
            }
            return new Model(x, basis, phase, tolerance2);
        }
        return null;
    }

    private static double parallelogramShare(int p, Model z) {
        long all = (long) p * p * p;
        int held = 0;
        int examined = 0;
        double[] predicted = new double[z.x()[0].length];
        if (all <= MAX_PARALLELOGRAMS) {
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    for (int c = 0; c < p; c++) {
                        int d = Math.floorMod(a + b - c, p);
                        if (trivial(a, b, c, d)) continue;
                        examined++;
                        if (holds(z, a, b, c, d, predicted)) held++;
                    }
                }
            }
        } else {
            SplittableRandom random = new SplittableRandom(0x5EED_0000L + p);
            while (examined < MAX_PARALLELOGRAMS) {
                int a = random.nextInt(p);
                int b = random.nextInt(p);
                int c = random.nextInt(p);
                int d = Math.floorMod(a + b - c, p);
                if (trivial(a, b, c, d)) continue;
                examined++;
                if (holds(z, a, b, c, d, predicted)) held++;
            }
        }
        return examined == 0 ? Double.NaN : (double) held / examined;
    }

    /** {c, d} = {a, b}: holds for any embedding, says nothing. */
    private static boolean trivial(int a, int b, int c, int d) {
        return (c == a && d == b) || (c == b && d == a);
    }

    /** Completes the parallelogram at d from a, b, c on every key circle and compares with row d. */
    private static boolean holds(Model model, int a, int b, int c, int d, double[] predicted) {
        double[] xd = model.x()[d];
        java.util.Arrays.fill(predicted, 0);
        double[][][] phase = model.phase();
        for (int m = 0; m < phase.length; m++) {
            double[] ua = phase[m][a];
            double[] ub = phase[m][b];
            double[] uc = phase[m][c];
            double abRe = ua[0] * ub[0] - ua[1] * ub[1];
            double abIm = ua[0] * ub[1] + ua[1] * ub[0];
            double wRe = abRe * uc[0] + abIm * uc[1]; // (a·b)·conj(c)
            double wIm = abIm * uc[0] - abRe * uc[1];
            double[] ak = model.basis()[2 * m];
            double[] bk = model.basis()[2 * m + 1];
            for (int col = 0; col < xd.length; col++) predicted[col] += wRe * ak[col] + wIm * bk[col];
        }
        double err = 0;
        for (int col = 0; col < xd.length; col++) {
            double e = xd[col] - predicted[col];
            err += e * e;
        }
        return err <= model.tolerance2();
    }

    private static double[] columnMeans(double[][] rows, int p, int cols) {
        double[] mean = new double[cols];
        for (int i = 0; i < p; i++) {
            for (int c = 0; c < cols; c++) mean[c] += rows[i][c];
        }
        for (int c = 0; c < cols; c++) mean[c] /= p;
        return mean;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }
}
