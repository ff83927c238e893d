package io.grokwatch.cli.report;

import io.grokwatch.analyzer.structure.FourierEnergy;
import io.grokwatch.events.EmbeddingSnapshot;

/**
 * Fourier spectrum of a Z_p token embedding (Nanda et al. 2023) as shares: for each frequency k
 * in 1..p/2, its part of the non-constant energy, from the analyzer's {@link FourierEnergy} (the
 * same numbers behind the live top-k share). A grokked model concentrates it on a few key frequencies.
 */
public final class FourierSpectrum {

    private FourierSpectrum() {}

    /**
     * Energy shares indexed by k-1 (they sum to 1), or an empty array when the snapshot is not
     * over Z_p (modulus below 3, fewer rows than p), holds a non-finite value, or is constant.
     */
    public static double[] shares(EmbeddingSnapshot s) {
        int p = s.modulus();
        if (p < 3 || s.rows() < p) return new double[0];
        double[][] rows = new double[p][];
        for (int i = 0; i < p; i++) {
            rows[i] = s.row(i);
            for (double x : rows[i]) if (!Double.isFinite(x)) return new double[0];
        }
        FourierEnergy e = FourierEnergy.of(rows, p);
        double total = e.total();
        if (!(total > 0) || !Double.isFinite(total)) return new double[0];
        double[] shares = new double[p / 2];
        for (int k = 1; k <= p / 2; k++) shares[k - 1] = e.energy()[k] / total;
        return shares;
    }
}
