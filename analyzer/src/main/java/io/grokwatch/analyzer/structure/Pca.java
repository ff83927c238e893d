package io.grokwatch.analyzer.structure;

/**
 * Principal components of the rows of an embedding matrix (centred per column). Decomposes the
 * smaller of the row Gram matrix (rows x rows) and the covariance (cols x cols): their non-zero
 * eigenvalues agree, so a 113-token, 512-wide embedding costs a 113 x 113 problem.
 *
 * @param explained explained-variance ratios of the top components, largest first
 * @param projection2d the rows projected onto the top two components, interleaved (x0, y0, x1, ...);
 *     each axis is signed so that its largest-magnitude coordinate is positive (deterministic)
 */
public record Pca(double[] explained, double[] projection2d) {

    /** Components reported in {@link #explained}. */
    public static final int COMPONENTS = 10;

    public static Pca of(double[][] rows) {
        int n = rows.length;
        int cols = rows[0].length;
        double[][] x = centred(rows);
        double[][] proj = new double[2][n];
        SymmetricEigen eig;
        if (n <= cols) {
            double[][] gram = new double[n][n]; // (rows, rows) = X Xᵀ
            for (int i = 0; i < n; i++) for (int j = i; j < n; j++) gram[i][j] = gram[j][i] = dot(x[i], x[j]);
            eig = SymmetricEigen.of(gram);
            for (int a = 0; a < 2 && a < n; a++) {
                double sd = Math.sqrt(Math.max(0, eig.values()[a]));
                for (int i = 0; i < n; i++) proj[a][i] = sd * eig.vectors()[a][i]; // X v = sqrt(λ) u
            }
        } else {
            double[][] cov = new double[cols][cols]; // (cols, cols) = Xᵀ X
            for (double[] row : x) {
                for (int i = 0; i < cols; i++) for (int j = i; j < cols; j++) cov[i][j] += row[i] * row[j];
            }
            for (int i = 0; i < cols; i++) for (int j = 0; j < i; j++) cov[i][j] = cov[j][i];
            eig = SymmetricEigen.of(cov);
            for (int a = 0; a < 2 && a < cols; a++) {
                for (int i = 0; i < n; i++) proj[a][i] = dot(x[i], eig.vectors()[a]);
            }
        }
        double trace = 0;
        for (double l : eig.values()) trace += Math.max(0, l);
        int k = Math.min(COMPONENTS, eig.values().length);
        double[] explained = new double[k];
        for (int j = 0; j < k; j++) explained[j] = trace > 0 ? Math.max(0, eig.values()[j]) / trace : 0;
        double[] interleaved = new double[2 * n];
        for (int a = 0; a < 2; a++) {
            double sign = signOfLargest(proj[a]);
            for (int i = 0; i < n; i++) interleaved[2 * i + a] = sign * proj[a][i] + 0.0; // + 0.0: no -0.0
        }
        return new Pca(explained, interleaved);
    }

    private static double signOfLargest(double[] v) {
        double best = 0;
        for (double x : v) if (Math.abs(x) > Math.abs(best) + 1e-12 * Math.abs(best)) best = x;
        return best < 0 ? -1 : 1;
    }

    private static double[][] centred(double[][] rows) {
        int cols = rows[0].length;
        double[] mean = new double[cols];
        for (double[] r : rows) for (int c = 0; c < cols; c++) mean[c] += r[c];
        for (int c = 0; c < cols; c++) mean[c] /= rows.length;
        double[][] x = new double[rows.length][cols];
        for (int i = 0; i < rows.length; i++) for (int c = 0; c < cols; c++) x[i][c] = rows[i][c] - mean[c];
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
