package io.grokwatch.cli.report;

import io.grokwatch.events.StructureAnalysis;

/**
 * One embedding snapshot as a report shows it: its role in the run (before, during or after
 * grokking), its Fourier spectrum and its structure analysis (PCA projection, key frequencies).
 *
 * @param label the snapshot's role, e.g. {@code before}
 * @param modulus p of the task, 0 when it is not over Z_p
 * @param spectrum Fourier energy shares for k = 1..p/2 (index k-1), empty when not over Z_p
 * @param planeFrequency the frequency whose plane {@code plane} shows, 0 when there is none
 * @param plane residues 0..p-1 projected onto the plane of {@code planeFrequency}, interleaved (x, y); may be empty
 */
public record SnapshotView(
        String label,
        long step,
        int modulus,
        double[] spectrum,
        int planeFrequency,
        double[] plane,
        StructureAnalysis structure) {

    public SnapshotView {
        if (label == null || label.isEmpty())
            throw new IllegalArgumentException("label must be non-empty, got '" + label + "'");
        spectrum = spectrum.clone();
        plane = plane.clone();
        if (structure == null) throw new IllegalArgumentException("structure must not be null");
    }

    @Override
    public double[] spectrum() {
        return spectrum.clone();
    }

    @Override
    public double[] plane() {
        return plane.clone();
    }
}
