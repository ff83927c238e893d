package io.grokwatch.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.model.Mlp;
import io.grokwatch.trainer.task.Op;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    private static TrainConfig.Builder small() {
        return TrainConfig.builder()
                .name("small")
                .op(Op.ADD)
                .p(11)
                .trainFraction(0.5)
                .embedDim(8)
                .hidden(List.of(16))
                .steps(20)
                .evalEvery(5);
    }

    @Test
    void badTaskConfigFailsBeforeTraining() {
        assertThatThrownBy(() -> new Trainer(small().p(12).build(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("p must be prime, got 12");
        assertThatThrownBy(() -> small().trainFraction(1.5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trainFraction must be in (0, 1), got 1.5");
        assertThatThrownBy(() -> small().evalEvery(0).build()).hasMessage("evalEvery must be >= 1, got 0");
    }

    @Test
    void emitsEvaluatedStepsSnapshotsAndOneFinish() {
        RunRecorder rec = new RunRecorder(0.9);
        Outcome o = new Trainer(small().snapshotEvery(10).build(), rec).run();
        assertThat(o.status()).isEqualTo(Outcome.Status.COMPLETED);
        assertThat(rec.steps).extracting(StepMetrics::step).containsExactly(0L, 5L, 10L, 15L, 20L);
        assertThat(rec.snapshots).containsExactly(0L, 10L, 20L);
        assertThat(rec.finishes).isEqualTo(1);
        StepMetrics first = rec.steps.get(0);
        assertThat(first.weightDistance()).isZero();
        assertThat(first.gradNorm()).isPositive();
        assertThat(first.lr()).isEqualTo(3e-2);
        assertThat(rec.steps.get(4).weightDistance()).isPositive();
    }

    @Test
    void sameSeedGivesTheSameRun() {
        RunRecorder a = new RunRecorder(0.9);
        RunRecorder b = new RunRecorder(0.9);
        new Trainer(small().seed(5).batchSize(16).build(), a).run();
        new Trainer(small().seed(5).batchSize(16).build(), b).run();
        for (int i = 0; i < a.steps.size(); i++) {
            assertThat(b.steps.get(i).trainLoss()).isEqualTo(a.steps.get(i).trainLoss());
            assertThat(b.steps.get(i).valLoss()).isEqualTo(a.steps.get(i).valLoss());
        }
    }

    @Test
    void nonFiniteLossFailsAndStillEmitsThatStep() {
        RunRecorder rec = new RunRecorder(0.9);
        // lr 1e30 blows the weights up on the first update; step 1 is not an eval step but is emitted
        Outcome o = new Trainer(
                        small().optimizer(TrainConfig.OptimizerKind.SGD)
                                .lr(1e30)
                                .evalEvery(100)
                                .build(),
                        rec)
                .run();
        assertThat(o.status()).isEqualTo(Outcome.Status.FAILED);
        assertThat(o.reason()).matches("non-finite loss at step \\d+");
        assertThat(rec.steps.get(rec.steps.size() - 1).step()).isEqualTo(o.lastStep());
        assertThat(rec.outcome).isEqualTo(o);
    }

    @Test
    void stopsItselfNStepsAfterValReachesTheStopAccuracy() {
        RunRecorder rec = new RunRecorder(0.9);
        // any nonzero val accuracy counts here, so the stop step is known from the records
        Outcome o = new Trainer(
                        small().steps(200)
                                .stopAccuracy(1e-9)
                                .stopAfterGrokSteps(10)
                                .build(),
                        rec)
                .run();
        long reached = rec.steps.stream()
                .filter(m -> m.valAcc() >= 1e-9)
                .findFirst()
                .orElseThrow()
                .step();
        assertThat(o.status()).isEqualTo(Outcome.Status.GROKKED);
        assertThat(o.lastStep()).isEqualTo(reached + 10);
        assertThat(o.reason()).isEqualTo("val accuracy reached 1.0E-9 at step " + reached + "; stopped 10 steps later");
        assertThat(rec.steps.get(rec.steps.size() - 1).step()).isEqualTo(reached + 10);
    }

    @Test
    void tTrainAndTValUseTheirOwnThresholds() {
        RunRecorder rec = new RunRecorder(0.9);
        Outcome o = new Trainer(
                        small().steps(60).trainThreshold(1e-9).valThreshold(1.0).build(), rec)
                .run();
        assertThat(o.trainReached()).isZero(); // any train accuracy at step 0 reaches 1e-9
        long firstPerfectVal = rec.steps.stream()
                .filter(m -> m.valAcc() >= 1.0)
                .mapToLong(StepMetrics::step)
                .findFirst()
                .orElse(-1);
        assertThat(o.valReached()).isEqualTo(firstPerfectVal);
    }

    @Test
    void stopRequestStopsAtTheNextStep() {
        Trainer[] holder = new Trainer[1];
        StepListener stopAt5 = new StepListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == 5) {
                    holder[0].stopRequested().set(true);
                }
            }
        };
        holder[0] = new Trainer(small().build(), stopAt5);
        Outcome o = holder[0].run();
        assertThat(o.status()).isEqualTo(Outcome.Status.STOPPED);
        assertThat(o.reason()).isEqualTo("stop requested at step 6");
    }

    @Test
    void everyOptionRunsATinyTransformer() {
        for (TrainConfig.Grokfast gf : TrainConfig.Grokfast.values()) {
            TrainConfig c = small().model(TrainConfig.ModelKind.TRANSFORMER)
                    .layers(2)
                    .dModel(8)
                    .heads(2)
                    .dMlp(16)
                    .layerNorm(true)
                    .grokfast(gf)
                    .grokfastWindow(3)
                    .orthoGrad(true)
                    .loss(Loss.STABLEMAX)
                    .batchSize(8)
                    .warmupSteps(3)
                    .steps(6)
                    .build();
            Outcome o = new Trainer(c, null).run();
            assertThat(o.status()).as("%s", gf).isEqualTo(Outcome.Status.COMPLETED);
            assertThat(o.last().trainLoss()).isFinite();
        }
    }

    @Test
    void presetsMatchThePublishedSetups() {
        assertThat(Presets.names())
                .containsExactly(
                        "simple-grokking", "simple-comprehension", "mlp97", "mlp97-grokfast", "nanda", "power", "demo");
        TrainConfig n = Presets.get("nanda");
        assertThat(n.p()).isEqualTo(113);
        assertThat(n.trainFraction()).isEqualTo(0.3);
        assertThat(n.beta2()).isEqualTo(0.98);
        assertThat(n.warmupSteps()).isEqualTo(10);
        assertThat(Presets.get("simple-comprehension").weightDecay()).isEqualTo(5.0);
        assertThat(Presets.get("power").batchSize()).isEqualTo(512);
        assertThat(Presets.get("power").steps()).isEqualTo(100_000);
        assertThatThrownBy(() -> Presets.get("nope")).hasMessageStartingWith("preset must be one of");
    }

    @Test
    void anMlpDefaultsToEveryCoreOnTheCpuBackend() {
        assertThat(Backend.onCpu()).as(Backend.describe()).isTrue();
        if (System.getProperty("grokwatch.threads") == null && System.getenv("GROKWATCH_THREADS") == null) {
            assertThat(Backend.mlpThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(Backend.defaultThreads(false)).isEqualTo(1);
        }
    }

    @Test
    void mlpThreadsSplitFullBatchesAndKeepTheRun() {
        // p 47 at half: ~1100 training rows, wide enough to split in two; evaluated every step so every loss shows
        TrainConfig cfg =
                small().p(47).hidden(List.of(256)).steps(12).evalEvery(1).build();
        RunRecorder one = new RunRecorder(0.9);
        RunRecorder two = new RunRecorder(0.9);
        RunRecorder again = new RunRecorder(0.9);
        Trainer t1 = new Trainer(cfg, one, 1);
        Trainer t2 = new Trainer(cfg, two, 2);
        Mlp m2 = (Mlp) t2.model();
        assertThat(m2.shards()).isEqualTo(2);
        assertThat(m2.shardsFor(t2.task().train().size())).isEqualTo(2);
        assertThat(((Mlp) t1.model()).shards()).isEqualTo(1);
        t1.run();
        t2.run();
        new Trainer(cfg, again, 2).run();
        assertThat(Backend.describe()).endsWith(", mlp step threads 2");
        assertThat(two.steps).hasSize(13);
        for (int i = 0; i < one.steps.size(); i++) {
            StepMetrics a = one.steps.get(i);
            StepMetrics b = two.steps.get(i);
            // step 0 is one split step from the same weights; after it the runs drift apart by rounding only
            double tol = i == 0 ? 1e-6 : 1e-3;
            assertThat(b.trainLoss()).as("step %d", i).isCloseTo(a.trainLoss(), within(tol * a.trainLoss()));
            assertThat(b.valLoss()).as("step %d", i).isCloseTo(a.valLoss(), within(tol * a.valLoss()));
            assertThat(b.gradNorm()).as("step %d", i).isCloseTo(a.gradNorm(), within(10 * tol * a.gradNorm()));
            // the same shard count gives the same bits
            assertThat(again.steps.get(i).trainLoss()).isEqualTo(b.trainLoss());
            assertThat(again.steps.get(i).gradNorm()).isEqualTo(b.gradNorm());
        }
        assertThatThrownBy(() -> new Trainer(cfg, null, 0)).hasMessage("threads must be >= 1, got 0");
    }
}
