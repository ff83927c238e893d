package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.events.EmbeddingSnapshot;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FourierSpectrumTest {

    @Test
    void aCircleOnOneFrequencyPutsAllEnergyThere() {
        int p = 31;
        float[] data = new float[p * 2];
        for (int i = 0; i < p; i++) {
            data[2 * i] = (float) Math.cos(2 * Math.PI * 7 * i / p);
            data[2 * i + 1] = (float) Math.sin(2 * Math.PI * 7 * i / p);
        }
        double[] shares = FourierSpectrum.shares(new EmbeddingSnapshot("r", 1, 1, "add", p, p, 2, data));

        assertThat(shares).hasSize(15);
        assertThat(shares[6]).isCloseTo(1.0, within(1e-6));
        assertThat(Arrays.stream(shares).sum()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void frequencyAboveHalfFoldsOntoItsMirror() {
        int p = 11;
        float[] data = new float[p];
        for (int i = 0; i < p; i++) data[i] = (float) Math.cos(2 * Math.PI * 9 * i / p); // 9 = -2 mod 11
        double[] shares = FourierSpectrum.shares(new EmbeddingSnapshot("r", 1, 1, "add", p, p, 1, data));

        assertThat(shares[1]).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void notOverZpGivesNoSpectrum() {
        EmbeddingSnapshot s = new EmbeddingSnapshot("r", 1, 1, "s5", 0, 4, 2, new float[8]);
        assertThat(FourierSpectrum.shares(s)).isEmpty();
        EmbeddingSnapshot constant = new EmbeddingSnapshot("r", 1, 1, "add", 5, 5, 1, new float[] {1, 1, 1, 1, 1});
        assertThat(FourierSpectrum.shares(constant)).isEmpty();
    }
}
