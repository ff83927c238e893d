package io.grokwatch.analyzer.structure;

import java.util.Arrays;

/**
 * Fourier energy of a Z_p embedding along the token axis: for each embedding column the DFT over
 * the p residue rows, the energy of frequency k (1..p/2) summed over columns, counting k and
 * p-k together, so the energies add up to the non-constant energy p * sum((E - column mean)^2).
 *
 * @param p the modulus (residue rows 0..p-1 were used)
 * @param energy energy per frequency; index k holds frequency k, index 0 is unused (0)
 * @param re real parts of the DFT, {@code re[k][c]} for k = 0..p/2 and column c
 * @param im imaginary parts, same layout
 */
public record FourierEnergy(int p, double[] energy, double[][] re, double[][] im) {

    /** The spectrum of rows 0..p-1 of a row-major {@code rows x cols} matrix; p >= 2, rows >= p. */
    public static FourierEnergy of(double[][] rows, int p) {
        if (p < 2 || rows.length < p) {
            throw new IllegalArgumentException(
                    "modulus p=" + p + " needs p >= 2 and at least p rows, got " + rows.length);
        }
        int cols = rows[0].length;
        int half = p / 2;
        double[] cos = new double[p];
        double[] sin = new double[p];
        for (int j = 0; j < p; j++) {
            double angle = 2 * Math.PI * j / p;
            cos[j] = Math.cos(angle);
            sin[j] = Math.sin(angle);
        }
        double[][] re = new double[half + 1][cols];
        double[][] im = new double[half + 1][cols];
        double[] energy = new double[half + 1];
        for (int c = 0; c < cols; c++) {
            double mean = 0;
            for (int i = 0; i < p; i++) mean += rows[i][c];
            mean /= p;
            for (int k = 1; k <= half; k++) {
                double sr = 0;
                double si = 0;
                for (int i = 0; i < p; i++) {
                    int j = (int) ((long) k * i % p); // e^{-2 pi i k i / p} from the table, exact index
                    double x = rows[i][c] - mean;
                    sr += x * cos[j];
                    si -= x * sin[j];
                }
                re[k][c] = sr;
                im[k][c] = si;
                double mult = 2 * k == p ? 1 : 2; // k and p-k carry the same energy, except k = p/2
                energy[k] += mult * (sr * sr + si * si);
            }
        }
        return new FourierEnergy(p, energy, re, im);
    }

    /** Sum of the energies of frequencies 1..p/2 (the non-constant energy). */
    public double total() {
        double t = 0;
        for (int k = 1; k < energy.length; k++) t += energy[k];
        return t;
    }

    /** The k frequencies with the most energy, strongest first; ties go to the lower frequency. */
    public int[] top(int k) {
        Integer[] order = new Integer[energy.length - 1];
        for (int i = 0; i < order.length; i++) order[i] = i + 1;
        Arrays.sort(order, (a, b) -> {
            int cmp = Double.compare(energy[b], energy[a]);
            return cmp != 0 ? cmp : Integer.compare(a, b);
        });
        int n = Math.max(0, Math.min(k, order.length));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = order[i];
        return out;
    }

    /** Share of the non-constant energy held by the given frequencies; NaN when there is none. */
    public double share(int[] frequencies) {
        double total = total();
        if (!(total > 0)) return Double.NaN;
        double s = 0;
        for (int k : frequencies) s += energy[k];
        return s / total;
    }
}
