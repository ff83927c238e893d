package io.grokwatch.analyzer.structure;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.StructureAnalysis;

/**
 * Structure of an embedding snapshot: Fourier energy along the token axis and RQI for tasks over
 * Z_p, and PCA for any task. Pure Java, deterministic.
 *
 * <pre>{@code
 * StructureAnalysis a = StructureAnalyzer.analyze(snapshot, StructureAnalyzer.DEFAULT_TOP_K, System.currentTimeMillis());
 * a.keyFrequencies(); a.fourierTopKShare(); a.rqi(); a.pcaExplained(); a.pca2d();
 * }</pre>
 *
 * <p>The Fourier view and RQI use residue rows 0..p-1 ({@link FourierEnergy}, {@link Rqi}); rows
 * beyond p (e.g. an '=' token) take part in the PCA only. Without a modulus (or with fewer rows than
 * p) the key frequencies are empty and share and RQI are NaN; a matrix holding a non-finite value
 * (a diverged run) gets NaN and empty results throughout.
 */
public final class StructureAnalyzer {
    /**
     * Key frequencies reported unless told otherwise (live analyzer, reports, demo): a grokked modular-addition
     * network uses a handful (Nanda et al. 2023 found 5 for p = 113).
     */
    public static final int DEFAULT_TOP_K = 5;

    private StructureAnalyzer() {}

    /**
     * Analyses one snapshot.
     *
     * @param topK how many key frequencies to report and count in the share (>= 1)
     * @param nowMillis the analysis time ({@code time} of the result)
     */
    public static StructureAnalysis analyze(EmbeddingSnapshot snapshot, int topK, long nowMillis) {
        if (topK < 1) throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        double[][] rows = new double[snapshot.rows()][];
        boolean finite = true;
        for (int r = 0; r < rows.length; r++) {
            rows[r] = snapshot.row(r);
            for (double x : rows[r]) finite &= Double.isFinite(x);
        }
        long time = Math.max(0, nowMillis);
        if (!finite) {
            return new StructureAnalysis(
                    snapshot.run(),
                    snapshot.step(),
                    time,
                    new int[0],
                    Double.NaN,
                    Double.NaN,
                    new double[0],
                    new double[0]);
        }
        int p = snapshot.modulus();
        int[] keys = new int[0];
        double share = Double.NaN;
        double rqi = Double.NaN;
        if (p >= 3 && snapshot.rows() >= p) {
            FourierEnergy spectrum = FourierEnergy.of(rows, p);
            if (spectrum.total() > 0) {
                keys = spectrum.top(topK);
                share = spectrum.share(keys);
                rqi = Rqi.of(rows, spectrum, keys);
            }
        }
        Pca pca = Pca.of(rows);
        return new StructureAnalysis(
                snapshot.run(), snapshot.step(), time, keys, share, rqi, pca.explained(), pca.projection2d());
    }
}
