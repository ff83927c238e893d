package io.grokwatch.events;

import java.util.Arrays;

/**
 * Structure of one embedding snapshot.
 *
 * @param keyFrequencies the Fourier frequencies (1..p/2) holding the most energy, strongest first;
 *     empty when the task is not over Z_p
 * @param fourierTopKShare share of the non-constant energy in the top-k key frequencies, or NaN
 * @param rqi representation quality index (Liu et al. 2022) in [0,1], or NaN when not applicable
 * @param pcaExplained explained-variance ratios of the top principal components
 * @param pca2d the rows projected onto the top two components, interleaved (x0, y0, x1, y1, ...)
 */
public record StructureAnalysis(
        String run,
        long step,
        long time,
        int[] keyFrequencies,
        double fourierTopKShare,
        double rqi,
        double[] pcaExplained,
        double[] pca2d)
        implements Event {

    public StructureAnalysis {
        Check.run(run);
        Check.nonNegative("step", step);
        Check.nonNegative("time", time);
        keyFrequencies = Check.notNull("keyFrequencies", keyFrequencies).clone();
        pcaExplained = Check.notNull("pcaExplained", pcaExplained).clone();
        pca2d = Check.notNull("pca2d", pca2d).clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StructureAnalysis s
                && run.equals(s.run)
                && step == s.step
                && time == s.time
                && Arrays.equals(keyFrequencies, s.keyFrequencies)
                && Double.compare(fourierTopKShare, s.fourierTopKShare) == 0
                && Double.compare(rqi, s.rqi) == 0
                && Arrays.equals(pcaExplained, s.pcaExplained)
                && Arrays.equals(pca2d, s.pca2d);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(run, step, time, fourierTopKShare, rqi)
                + 31 * Arrays.hashCode(keyFrequencies)
                + 17 * Arrays.hashCode(pcaExplained)
                + Arrays.hashCode(pca2d);
    }

    @Override
    public String toString() {
        return "StructureAnalysis[run=" + run + ", step=" + step + ", keyFrequencies=" + Arrays.toString(keyFrequencies)
                + ", fourierTopKShare=" + fourierTopKShare + ", rqi=" + rqi + "]";
    }
}
