package io.grokwatch.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The published simple-grokking numbers (Liu et al.), reproduced with fixed seeds. */
class SimpleGrokkingAcceptanceTest {
    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    @Test
    void simpleGrokkingMemorizesFastAndGeneralizesLate() {
        // evaluate every 10 steps: the val forward costs about as much as a training step
        TrainConfig cfg = Presets.get("simple-grokking").toBuilder()
                .seed(0)
                .steps(8_000)
                .evalEvery(10)
                .stopAfterGrok(true)
                .build();
        RunRecorder rec = new RunRecorder(0.99);
        long t0 = System.nanoTime();
        Outcome o = new Trainer(cfg, rec).run();
        System.out.printf(
                "simple-grokking: train 0.99 at %d, val 0.99 at %d, %.1f s, %s%n",
                rec.trainAt, rec.valAt, (System.nanoTime() - t0) / 1e9, Backend.describe());
        assertThat(rec.trainAt).isBetween(0L, 99L);
        assertThat(rec.valAt).isBetween(2_000L, 8_000L);
        assertThat(o.status()).isEqualTo(Outcome.Status.GROKKED);
    }

    @Test
    void simpleComprehensionGeneralizesWithoutAPlateau() {
        TrainConfig cfg = Presets.get("simple-comprehension").toBuilder()
                .seed(0)
                .steps(300)
                .evalEvery(1)
                .stopAfterGrok(true)
                .build();
        RunRecorder rec = new RunRecorder(0.99);
        Outcome o = new Trainer(cfg, rec).run();
        System.out.printf("simple-comprehension: train 0.99 at %d, val 0.99 at %d%n", rec.trainAt, rec.valAt);
        assertThat(rec.valAt).isBetween(0L, 299L);
        assertThat(o.status()).isEqualTo(Outcome.Status.GROKKED);
    }
}
