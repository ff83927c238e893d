package io.grokwatch.analyzer.structure;

/** Cholesky factorisation of a small symmetric positive-definite matrix, for least squares. */
final class Cholesky {
    private Cholesky() {}

    /** Relative pivot below which the matrix counts as singular (directions linearly dependent). */
    private static final double SINGULAR = 1e-10;

    /** Lower-triangular L with A = L Lᵀ, or null when A is not (numerically) positive definite. */
    static double[][] decompose(double[][] a) {
        int n = a.length;
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.max(scale, a[i][i]);
        if (!(scale > 0)) return null;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(s > SINGULAR * scale)) return null;
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /** Solves L Lᵀ x = b. */
    static double[] solve(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        return x;
    }
}
