package io.grokwatch.analyzer.structure;

import java.util.Arrays;

/**
 * Eigen-decomposition of a small symmetric matrix: Householder reduction to tridiagonal form,
 * then the implicit QL algorithm (EISPACK's tred2/tql2, as in JAMA). About 4n³ flops in all (a
 * 113 x 113 Gram matrix in milliseconds), accurate to rounding, and not troubled by the nearly
 * equal eigenvalues a circle embedding has, which stall power iteration.
 *
 * @param values eigenvalues, largest first
 * @param vectors {@code vectors[j]} is the unit eigenvector of {@code values[j]}
 */
public record SymmetricEigen(double[] values, double[][] vectors) {

    private static final double EPS = Math.ulp(1.0);

    /** Decomposes a symmetric matrix (only read, not modified). */
    public static SymmetricEigen of(double[][] matrix) {
        int n = matrix.length;
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) v[i] = matrix[i].clone();
        double[] d = new double[n];
        double[] e = new double[n];
        if (n > 0) {
            tridiagonalize(v, d, e);
            diagonalize(v, d, e);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Double.compare(d[y], d[x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = d[order[j]];
            for (int i = 0; i < n; i++) vectors[j][i] = v[i][order[j]];
        }
        return new SymmetricEigen(values, vectors);
    }

    /** Householder reduction: v becomes the accumulated transform, d the diagonal, e the sub-diagonal. */
    private static void tridiagonalize(double[][] v, double[] d, double[] e) {
        int n = d.length;
        for (int j = 0; j < n; j++) d[j] = v[n - 1][j];
        for (int i = n - 1; i > 0; i--) {
            double scale = 0;
            double h = 0;
            for (int k = 0; k < i; k++) scale += Math.abs(d[k]);
            if (scale == 0) {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++) {
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                    v[j][i] = 0;
                }
            } else {
                for (int k = 0; k < i; k++) {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.sqrt(h);
                if (f > 0) g = -g;
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) e[j] = 0;
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    v[j][i] = f;
                    g = e[j] + v[j][j] * f;
                    for (int k = j + 1; k <= i - 1; k++) {
                        g += v[k][j] * d[k];
                        e[k] += v[k][j] * f;
                    }
                    e[j] = g;
                }
                f = 0;
                for (int j = 0; j < i; j++) {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) e[j] -= hh * d[j];
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) v[k][j] -= f * e[k] + g * d[k];
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                }
            }
            d[i] = h;
        }
        for (int i = 0; i < n - 1; i++) {
            v[n - 1][i] = v[i][i];
            v[i][i] = 1;
            double h = d[i + 1];
            if (h != 0) {
                for (int k = 0; k <= i; k++) d[k] = v[k][i + 1] / h;
                for (int j = 0; j <= i; j++) {
                    double g = 0;
                    for (int k = 0; k <= i; k++) g += v[k][i + 1] * v[k][j];
                    for (int k = 0; k <= i; k++) v[k][j] -= g * d[k];
                }
            }
            for (int k = 0; k <= i; k++) v[k][i + 1] = 0;
        }
        for (int j = 0; j < n; j++) {
            d[j] = v[n - 1][j];
            v[n - 1][j] = 0;
        }
        v[n - 1][n - 1] = 1;
        e[0] = 0;
    }

    /** Implicit QL on the tridiagonal (d, e), accumulating rotations into v's columns. */
    private static void diagonalize(double[][] v, double[] d, double[] e) {
        int n = d.length;
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0;
        double f = 0;
        double tst1 = 0;
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n && Math.abs(e[m]) > EPS * tst1) m++;
            if (m == n) m = n - 1; // e[n-1] is 0, so this only guards rounding
            if (m > l) {
                do {
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.hypot(p, 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (int k = 0; k < n; k++) {
                            h = v[k][i + 1];
                            v[k][i + 1] = s * v[k][i] + c * h;
                            v[k][i] = c * v[k][i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > EPS * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }
}
