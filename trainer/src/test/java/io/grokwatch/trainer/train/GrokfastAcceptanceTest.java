package io.grokwatch.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Grokfast-EMA on x*y mod 97 with the mlp97 network: val 0.95 in at least 5x fewer steps than without it. */
class GrokfastAcceptanceTest {
    static final double TARGET = 0.95;

    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    @Test
    void emaReachesValInAFifthOfTheStepsThePlainRunGetsWithoutReachingIt() {
        TrainConfig base = Presets.get("mlp97-grokfast").toBuilder()
                .seed(0)
                .evalEvery(50)
                .valThreshold(TARGET)
                .stopAccuracy(TARGET)
                .stopAfterGrok(true)
                .build();

        RunRecorder ema = new RunRecorder(TARGET);
        Outcome withFilter = new Trainer(
                        base.toBuilder()
                                .steps(3_000)
                                .grokfast(TrainConfig.Grokfast.EMA)
                                .grokfastAlpha(0.98)
                                .grokfastLambda(2.0)
                                .build(),
                        ema)
                .run();
        assertThat(withFilter.status()).isEqualTo(Outcome.Status.GROKKED);
        assertThat(ema.valAt)
                .as("Grokfast-EMA's first step at val %.2f (measured 1,250)", TARGET)
                .isBetween(1L, 3_000L);

        // the same run without the filter, for five times as many steps
        long budget = 5 * ema.valAt;
        RunRecorder plain = new RunRecorder(TARGET);
        Outcome without = new Trainer(base.toBuilder().steps(budget).build(), plain).run();
        double bestVal =
                plain.steps.stream().mapToDouble(StepMetrics::valAcc).max().orElseThrow();
        System.out.printf(
                "mlp97-grokfast: EMA val %.2f at %d; plain best val %.3f in %d steps%n",
                TARGET, ema.valAt, bestVal, budget);
        assertThat(without.status()).isEqualTo(Outcome.Status.COMPLETED);
        assertThat(plain.valAt).as("plain run's first step at val %.2f", TARGET).isEqualTo(-1L);
        assertThat(bestVal).isLessThan(TARGET);
    }
}
