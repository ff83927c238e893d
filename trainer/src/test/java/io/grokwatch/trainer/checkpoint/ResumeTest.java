package io.grokwatch.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.trainer.task.Op;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The acceptance test of checkpoints: N steps, checkpoint, resume, M steps gives bit-identical parameters,
 * optimizer and filter buffers, and step metrics to N+M steps straight.
 */
class ResumeTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void oneThread() {
        Backend.threads(1); // the same op order every run; bitwise equality is asserted on one backend and thread count
    }

    /** x+y mod 11, half the pairs (60) for training: small enough for a few hundred ms per run. */
    private static TrainConfig.Builder small() {
        return TrainConfig.builder()
                .name("resume")
                .op(Op.ADD)
                .p(11)
                .trainFraction(0.5)
                .embedDim(8)
                .hidden(List.of(16))
                .lr(1e-2)
                .weightDecay(0.1)
                .seed(3)
                .evalEvery(2);
    }

    @Test
    void mlpFullBatchResumesBitwise() {
        assertResumeIsExact(small(), 9, 8);
    }

    @Test
    void mlpMinibatchesResumeBitwiseMidEpoch() {
        // 60 examples in batches of 16: 3 batches an epoch, 12 dropped; step 7 is in the middle of the third epoch
        assertResumeIsExact(small().batchSize(16), 7, 9);
    }

    @Test
    void grokfastEmaResumesBitwise() {
        assertResumeIsExact(
                small().grokfast(TrainConfig.Grokfast.EMA).grokfastAlpha(0.9).grokfastLambda(2), 6, 7);
        assertResumeIsExact(
                small().batchSize(16)
                        .grokfast(TrainConfig.Grokfast.EMA)
                        .grokfastAlpha(0.9)
                        .grokfastLambda(2),
                5,
                6);
    }

    @Test
    void grokfastMaResumesBitwiseAtAndBetweenWindowBoundaries() {
        // the running sum is checkpointed as it is, so a resume mid-window carries the same round-off
        assertResumeIsExact(
                small().grokfast(TrainConfig.Grokfast.MA).grokfastWindow(5).grokfastLambda(3), 10, 7);
        assertResumeIsExact(
                small().grokfast(TrainConfig.Grokfast.MA).grokfastWindow(5).grokfastLambda(3), 7, 9);
    }

    @Test
    void sgdWithMomentumWarmupAndATransformerResumeBitwise() {
        assertResumeIsExact(
                small().optimizer(TrainConfig.OptimizerKind.SGD)
                        .momentum(0.9)
                        .lr(0.05)
                        .warmupSteps(4),
                3,
                6);
        assertResumeIsExact(
                small().model(TrainConfig.ModelKind.TRANSFORMER)
                        .layers(1)
                        .dModel(8)
                        .heads(2)
                        .dMlp(16)
                        .lr(1e-3)
                        .betas(0.9, 0.98)
                        .warmupSteps(3)
                        .batchSize(16),
                4,
                5);
    }

    @Test
    void periodicCheckpointsResumeToTheSameEnd() throws Exception {
        TrainConfig cfg = small().batchSize(16)
                .grokfast(TrainConfig.Grokfast.EMA)
                .steps(17)
                .build();
        Path dir = tmp.resolve("periodic");
        Checkpointer ckpt = Checkpointer.builder(dir)
                .run("p")
                .every(5)
                .keep(10)
                .messages(line -> {})
                .build();
        Trainer straight = new Trainer(cfg, null);
        straight.stepHook(ckpt);
        straight.run();
        CheckpointDirectory d = new CheckpointDirectory(dir);
        assertThat(d.list()).extracting(CheckpointDirectory::stepOf).containsExactly(5L, 10L, 15L, 17L);

        Trainer resumed = new Trainer(cfg, null);
        TrainerState.restore(resumed, CheckpointFile.read(d.fileFor(10)));
        Outcome o = resumed.run();
        assertThat(o.lastStep()).isEqualTo(17);
        assertSameState(resumed, straight);
    }

    @Test
    void aRequestedCheckpointIsWrittenAtTheNextStepAndResumesExactly() throws Exception {
        TrainConfig cfg = small().batchSize(16).steps(12).build();
        Path dir = tmp.resolve("requested");
        List<String> lines = new ArrayList<>();
        Checkpointer ckpt =
                Checkpointer.builder(dir).run("r").every(0).messages(lines::add).build();
        Trainer straight = new Trainer(cfg, onStep(m -> {
            if (m.step() == 4) {
                ckpt.requestNow("ckpt-1");
            }
        }));
        straight.stepHook(ckpt);
        straight.run();
        CheckpointDirectory d = new CheckpointDirectory(dir);
        assertThat(d.list()).extracting(CheckpointDirectory::stepOf).containsExactly(5L, 12L);
        assertThat(lines).containsExactly("grokwatch: checkpoint of step 5 written to " + d.fileFor(5) + " (ckpt-1)");

        Trainer resumed = new Trainer(cfg, null);
        TrainerState.restore(resumed, CheckpointFile.read(d.fileFor(5)));
        resumed.run();
        assertSameState(resumed, straight);
    }

    @Test
    void stopAndStopAfterGrokWriteAFinalCheckpointThatContinuesTheUnstoppedRun() throws Exception {
        TrainConfig full = small().batchSize(16).steps(14).build();
        Trainer straight = new Trainer(full, null);
        straight.run();

        // stop-after-grok at a low bar ends mid-step, after that step's batch was drawn
        Path grokDir = tmp.resolve("grok");
        Checkpointer ckpt = Checkpointer.builder(grokDir)
                .run("g")
                .every(0)
                .messages(line -> {})
                .build();
        Trainer grok = new Trainer(
                small().batchSize(16)
                        .steps(14)
                        .stopAfterGrok(true)
                        .stopAccuracy(0.01)
                        .build(),
                null);
        grok.stepHook(ckpt);
        Outcome o = grok.run();
        assertThat(o.status()).isEqualTo(Outcome.Status.GROKKED);
        assertThat(CheckpointDirectory.stepOf(ckpt.lastWritten().orElseThrow())).isEqualTo(o.lastStep());
        Trainer fromGrok = new Trainer(full, null); // stopAfterGrok may change on resume
        TrainerState.restore(fromGrok, CheckpointFile.read(ckpt.lastWritten().orElseThrow()));
        fromGrok.run();
        assertSameState(fromGrok, straight);

        Path stopDir = tmp.resolve("stop");
        Checkpointer stopCkpt = Checkpointer.builder(stopDir)
                .run("s")
                .every(0)
                .messages(line -> {})
                .build();
        Trainer[] holder = new Trainer[1];
        holder[0] = new Trainer(full, onStep(m -> {
            if (m.step() == 6) {
                holder[0].stopRequested().set(true);
            }
        }));
        holder[0].stepHook(stopCkpt);
        assertThat(holder[0].run().status()).isEqualTo(Outcome.Status.STOPPED);
        assertThat(new CheckpointDirectory(stopDir).list())
                .extracting(CheckpointDirectory::stepOf)
                .containsExactly(7L);
        Trainer fromStop = new Trainer(full, null);
        TrainerState.restore(
                fromStop, CheckpointFile.read(stopCkpt.lastWritten().orElseThrow()));
        fromStop.run();
        assertSameState(fromStop, straight);
    }

    @Test
    void keepPrunesToTheNewest() throws Exception {
        Path dir = tmp.resolve("keep");
        Checkpointer ckpt = Checkpointer.builder(dir)
                .run("k")
                .every(2)
                .keep(2)
                .messages(line -> {})
                .build();
        Trainer t = new Trainer(small().steps(9).build(), null);
        t.stepHook(ckpt);
        t.run();
        assertThat(new CheckpointDirectory(dir).list())
                .extracting(CheckpointDirectory::stepOf)
                .containsExactly(8L, 9L);
        assertThat(ckpt.written()).isEqualTo(5);
        assertThat(ckpt.failed()).isZero();
    }

    /**
     * Runs N+M straight; runs N with a checkpoint at the end, reads it back into a fresh trainer configured for
     * N+M and runs on; the two must agree bit for bit, in state and in every metric the resumed part reports.
     */
    private void assertResumeIsExact(TrainConfig.Builder b, long n, long m) {
        TrainConfig total = b.steps(n + m).build();
        List<StepMetrics> straightSteps = new ArrayList<>();
        Trainer straight = new Trainer(total, onStep(straightSteps::add));
        straight.run();

        Path dir = tmp.resolve("r-" + System.nanoTime());
        Checkpointer ckpt = Checkpointer.builder(dir)
                .run("first")
                .every(0)
                .messages(line -> {})
                .build();
        Trainer first = new Trainer(b.steps(n).build(), null);
        first.stepHook(ckpt);
        first.run();
        assertThat(ckpt.lastWritten()).contains(new CheckpointDirectory(dir).fileFor(n));

        List<StepMetrics> resumedSteps = new ArrayList<>();
        Trainer resumed = new Trainer(total, onStep(resumedSteps::add));
        Checkpoint c;
        try {
            c = CheckpointFile.read(ckpt.lastWritten().orElseThrow());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(c.step()).isEqualTo(n);
        TrainerState.restore(resumed, c);
        Outcome o = resumed.run();
        assertThat(o.status()).isEqualTo(Outcome.Status.COMPLETED);
        assertSameState(resumed, straight);

        List<StepMetrics> tail =
                straightSteps.stream().filter(s -> s.step() >= n).toList();
        assertThat(resumedSteps).hasSameSizeAs(tail);
        for (int i = 0; i < tail.size(); i++) {
            StepMetrics a = tail.get(i);
            StepMetrics r = resumedSteps.get(i);
            assertThat(r.step()).isEqualTo(a.step());
            assertThat(new double[] {
                        r.trainLoss(),
                        r.trainAcc(),
                        r.valLoss(),
                        r.valAcc(),
                        r.weightNorm(),
                        r.weightDistance(),
                        r.gradNorm(),
                        r.lr()
                    })
                    .as("metrics at step %d", a.step())
                    .containsExactly(
                            a.trainLoss(),
                            a.trainAcc(),
                            a.valLoss(),
                            a.valAcc(),
                            a.weightNorm(),
                            a.weightDistance(),
                            a.gradNorm(),
                            a.lr());
        }
    }

    /** Parameters, optimizer and filter buffers, bit for bit (as the raw little-endian bytes a checkpoint holds). */
    static void assertSameState(Trainer actual, Trainer expected) {
        assertSameBits(
                "parameters",
                actual.model().params().flatValues(),
                expected.model().params().flatValues());
        assertSameBuffers(
                "optimizer",
                actual.optimizer().exportState(),
                expected.optimizer().exportState());
        for (int i = 0; i < expected.filters().size(); i++) {
            assertSameBuffers(
                    "filter " + i,
                    actual.filters().get(i).exportState(),
                    expected.filters().get(i).exportState());
        }
    }

    private static void assertSameBuffers(String what, Map<String, INDArray> a, Map<String, INDArray> e) {
        assertThat(a.keySet()).as(what).isEqualTo(e.keySet());
        e.forEach((k, v) -> assertSameBits(what + " " + k, a.get(k), v));
    }

    /** Compares raw bytes; on a difference names how many and the first, instead of printing both arrays. */
    private static void assertSameBits(String what, INDArray actual, INDArray expected) {
        byte[] a = Tensor.of(what, actual).data();
        byte[] e = Tensor.of(what, expected).data();
        assertThat(a.length).as("%s: byte length", what).isEqualTo(e.length);
        int first = java.util.Arrays.mismatch(a, e);
        if (first >= 0) {
            int differing = 0;
            for (int i = 0; i < a.length; i++) {
                differing += a[i] != e[i] ? 1 : 0;
            }
            long element = first / (a.length / actual.length());
            throw new AssertionError(what + ": " + differing + " of " + a.length + " bytes differ; first at element "
                    + element + ": " + actual.reshape(-1).getDouble(element) + " vs "
                    + expected.reshape(-1).getDouble(element));
        }
    }

    private static StepListener onStep(Consumer<StepMetrics> c) {
        return new StepListener() {
            @Override
            public void onStep(StepMetrics m) {
                c.accept(m);
            }
        };
    }
}
