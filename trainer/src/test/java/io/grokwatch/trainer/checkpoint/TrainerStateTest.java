package io.grokwatch.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.task.Op;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A checkpoint that does not fit the run is refused with a message naming what differs, and changes nothing. */
class TrainerStateTest {
    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    private static TrainConfig.Builder cfg() {
        return TrainConfig.builder()
                .name("m")
                .op(Op.ADD)
                .p(11)
                .trainFraction(0.5)
                .embedDim(8)
                .hidden(List.of(16))
                .batchSize(16)
                .steps(10)
                .evalEvery(5);
    }

    private static Checkpoint after(TrainConfig c, long steps) {
        Trainer t = new Trainer(c.toBuilder().steps(steps).build(), null);
        Checkpoint[] out = new Checkpoint[1];
        t.stepHook((tr, s, ending) -> {
            if (ending) {
                out[0] = TrainerState.capture(tr, s, "m");
            }
        });
        t.run();
        return out[0];
    }

    @Test
    void aDifferentConfigIsNamedFieldByFieldAndNothingIsRestored() {
        Checkpoint c = after(cfg().build(), 4);
        Trainer other = new Trainer(cfg().lr(0.01).seed(9).build(), null);
        byte[] before = Tensor.of("p", other.model().params().flatValues()).data();
        assertThatThrownBy(() -> TrainerState.restore(other, c))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessage(
                        "the checkpoint was written with a different config: seed: checkpoint 0, now 9; lr: checkpoint 0.03, now 0.01 "
                                + "(resume with the checkpoint's values, or start a new run)");
        assertThat(Tensor.of("p", other.model().params().flatValues()).data()).isEqualTo(before);

        assertThatThrownBy(
                        () -> TrainerState.restore(new Trainer(cfg().embedDim(6).build(), null), c))
                .hasMessageContaining("embedDim: checkpoint 8, now 6");
        assertThatThrownBy(() -> TrainerState.restore(
                        new Trainer(cfg().grokfast(TrainConfig.Grokfast.EMA).build(), null), c))
                .hasMessageContaining("grokfast: checkpoint NONE, now EMA");
    }

    @Test
    void budgetAndReportingMayChangeButNotBelowTheCheckpoint() {
        Checkpoint c = after(cfg().build(), 8);
        Trainer longer = new Trainer(
                cfg().name("renamed")
                        .steps(20)
                        .evalEvery(3)
                        .snapshotEvery(4)
                        .stopAfterGrok(true)
                        .build(),
                null);
        TrainerState.restore(longer, c); // allowed
        assertThat(longer.run().lastStep()).isEqualTo(20);

        assertThatThrownBy(() -> TrainerState.restore(new Trainer(cfg().steps(6).build(), null), c))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessage("the checkpoint is at step 8, beyond steps 6 (pass a larger step budget to continue)");
    }

    @Test
    void aSamplerThatDoesNotReplayIsRefused() {
        Checkpoint c = after(cfg().build(), 4);
        int[] perm = c.sampler().permutation().clone();
        int t = perm[0];
        perm[0] = perm[1];
        perm[1] = t;
        Checkpoint tampered = new Checkpoint(
                c.run(),
                c.step(),
                c.trainReached(),
                c.valReached(),
                c.time(),
                c.version(),
                c.config(),
                c.params(),
                c.optimizer(),
                c.filters(),
                new Trainer.SamplerState(4, c.sampler().position(), perm),
                c.threads(),
                c.tensors());
        assertThatThrownBy(() -> TrainerState.restore(new Trainer(cfg().build(), null), tampered))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessageContaining("does not match a seeded replay to step 4")
                .hasMessageEndingWith(
                        "the sampler or the split changed since it was written, so the run cannot continue exactly");
    }
}
