package io.grokwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.optim.AdamW;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Mlp.trainStep split across row shards on several threads against the one-thread step. */
class MlpShardTest {
    @BeforeAll
    static void oneNd4jThread() {
        // as the Trainer runs shards: every shard's ND4J ops single-threaded on its own thread
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }

    private static Mlp mlp(Mlp.Config c, DataType dt, long seed, int shards) {
        Mlp m = new Mlp(c, dt, seed, shards);
        m.minRangeRows(1); // split the small test batches too
        return m;
    }

    private static Mlp mlp(Mlp.Config c, DataType dt, long seed, int shards, int rangesPerShard) {
        Mlp m = mlp(c, dt, seed, shards);
        m.rangesPerShard(rangesPerShard);
        return m;
    }

    /** One trainStep of each model on the same batch: loss, correct count and every gradient agree. */
    private static void assertSameStep(Mlp one, Mlp sharded, Batch batch, int[] labels, Loss loss, double relTol) {
        int n = batch.size();
        DataType dt = one.params().flatValues().dataType();
        Loss.Result r1 = one.trainStep(batch, labels, loss, Nd4j.create(dt, n, one.classes()));
        Loss.Result rk = sharded.trainStep(batch, labels, loss, Nd4j.create(dt, n, one.classes()));
        assertThat(rk.n()).isEqualTo(n);
        assertThat(rk.correct()).isEqualTo(r1.correct());
        assertThat(Math.abs(rk.loss() - r1.loss()))
                .as("loss %s vs %s", rk.loss(), r1.loss())
                .isLessThanOrEqualTo(relTol * r1.loss());
        for (ParamSet.Param p : one.params().list()) {
            INDArray g1 = p.gradVector();
            INDArray gk = sharded.params().get(p.name()).gradVector();
            double scale = g1.amaxNumber().doubleValue();
            assertThat(scale).as("%s is all zeros", p.name()).isPositive();
            double diff = g1.sub(gk).amaxNumber().doubleValue();
            assertThat(diff)
                    .as("%s: max |diff| %s, max |grad| %s", p.name(), diff, scale)
                    .isLessThanOrEqualTo(relTol * scale);
        }
    }

    @Test
    void shardedStepMatchesTheOneThreadStepInDouble() {
        Random rng = new Random(11);
        for (List<Integer> hidden : List.of(List.<Integer>of(), List.of(6, 5))) {
            for (int k : new int[] {2, 3}) {
                for (int perShard : new int[] {1, 2}) {
                    for (Loss loss : Loss.values()) {
                        Mlp.Config c = new Mlp.Config(9, 4, hidden, 9);
                        Mlp one = new Mlp(c, DataType.DOUBLE, 5);
                        Mlp sharded = mlp(c, DataType.DOUBLE, 5, k, perShard);
                        Batch batch = GradCheck.randomBatch(37, 9, rng); // odd, and not a multiple of 2, 3, 4 or 6
                        assertThat(sharded.shardsFor(37)).isEqualTo(k);
                        assertThat(sharded.rangesFor(37)).isEqualTo(k * perShard);
                        assertSameStep(one, sharded, batch, GradCheck.randomLabels(37, 9, rng), loss, 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void shardedStepMatchesTheOneThreadStepInFloat() {
        Random rng = new Random(12);
        for (List<Integer> hidden : List.of(List.<Integer>of(), List.of(64, 48))) {
            for (int k : new int[] {2, 3}) {
                Mlp.Config c = new Mlp.Config(23, 16, hidden, 23);
                Mlp one = new Mlp(c, DataType.FLOAT, 6);
                Mlp sharded = mlp(c, DataType.FLOAT, 6, k);
                Batch batch = GradCheck.randomBatch(301, 23, rng);
                assertSameStep(one, sharded, batch, GradCheck.randomLabels(301, 23, rng), Loss.CROSS_ENTROPY, 1e-5);
            }
        }
    }

    @Test
    void manyConcurrentStepsKeepMatchingTheOneThreadGradients() {
        // full-size gemms on both threads every step, each step from the same weights: a data race, a shared
        // scratch buffer or a non-thread-safe BLAS call would show up as a gradient mismatch or a crash
        Random rng = new Random(13);
        Mlp.Config c = new Mlp.Config(31, 32, List.of(96), 31);
        Mlp one = new Mlp(c, DataType.FLOAT, 7);
        Mlp sharded = mlp(c, DataType.FLOAT, 7, 2);
        sharded.minRangeRows(256);
        int n = 961 / 2 * 2 + 1; // 961: every pair mod 31, odd
        Batch batch = GradCheck.randomBatch(n, 31, rng);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (batch.a()[i] + batch.b()[i]) % 31;
        }
        assertThat(sharded.shardsFor(n)).isEqualTo(2);
        AdamW opt = new AdamW(one.params(), new AdamW.Config(1e-2, 0.9, 0.98, 1e-8, 1.0, 0));
        for (int step = 0; step < 150; step++) {
            sharded.params().flatValues().assign(one.params().flatValues());
            assertSameStep(one, sharded, batch, labels, Loss.CROSS_ENTROPY, 1e-5);
            opt.step(one.params());
        }
    }

    @Test
    void sameSeedAndShardsGiveBitwiseEqualRuns() {
        Random rng = new Random(14);
        Mlp.Config c = new Mlp.Config(29, 16, List.of(40), 29);
        Batch batch = GradCheck.randomBatch(401, 29, rng);
        int[] labels = GradCheck.randomLabels(401, 29, rng);
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            Mlp m = mlp(c, DataType.FLOAT, 8, 3);
            AdamW opt = new AdamW(m.params(), new AdamW.Config(1e-2, 0.9, 0.98, 1e-8, 1.0, 0));
            INDArray dLogits = Nd4j.create(DataType.FLOAT, 401, 29);
            for (int step = 0; step < 30; step++) {
                m.trainStep(batch, labels, Loss.CROSS_ENTROPY, dLogits);
                opt.step(m.params());
            }
            finals[run] = m.params().flatValues().toFloatVector();
        }
        assertThat(finals[1]).containsExactly(finals[0]);
    }

    @Test
    void theBitsDependOnTheRangesNotOnWhichThreadsRanThem() {
        Random rng = new Random(18);
        Mlp.Config c = new Mlp.Config(19, 8, List.of(24), 19);
        Batch batch = GradCheck.randomBatch(203, 19, rng);
        int[] labels = GradCheck.randomLabels(203, 19, rng);
        Mlp twoThreads = mlp(c, DataType.FLOAT, 2, 2, 2);
        Mlp fourThreads = mlp(c, DataType.FLOAT, 2, 4, 1);
        assertThat(twoThreads.rangesFor(203)).isEqualTo(4).isEqualTo(fourThreads.rangesFor(203));
        INDArray dLogits = Nd4j.create(DataType.FLOAT, 203, 19);
        for (int i = 0; i < 5; i++) { // ranges land on different threads from step to step
            Loss.Result a = twoThreads.trainStep(batch, labels, Loss.CROSS_ENTROPY, dLogits);
            Loss.Result b = fourThreads.trainStep(batch, labels, Loss.CROSS_ENTROPY, dLogits);
            assertThat(b.loss()).isEqualTo(a.loss());
            assertThat(fourThreads.params().flatGrads().toFloatVector())
                    .containsExactly(twoThreads.params().flatGrads().toFloatVector());
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesWithShards() {
        Random rng = new Random(15);
        Mlp m = mlp(new Mlp.Config(7, 4, List.of(5), 7), DataType.DOUBLE, 3, 3);
        assertThat(m.shardsFor(10)).isEqualTo(3);
        GradCheck.check(m, GradCheck.randomBatch(10, 7, rng), GradCheck.randomLabels(10, 7, rng), Loss.CROSS_ENTROPY);
        Mlp deep = mlp(new Mlp.Config(5, 3, List.of(6, 4), 5), DataType.DOUBLE, 4, 2);
        GradCheck.check(deep, GradCheck.randomBatch(9, 5, rng), GradCheck.randomLabels(9, 5, rng), Loss.STABLEMAX);
    }

    @Test
    void smallBatchesStayOnTheCallingThread() {
        Mlp m = new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0, 2);
        assertThat(m.shards()).isEqualTo(2);
        int rows = m.minRangeRows();
        assertThat(rows).isEqualTo((Mlp.MIN_RANGE_CELLS + 180) / 181); // 128 hidden + 53 classes a row
        // both presets split in two on 2 threads; a 1024-row minibatch of simple-grokking's shape does not
        assertThat(m.shardsFor(1685)).isEqualTo(2);
        assertThat(m.rangesFor(1685)).isEqualTo(2 * Mlp.RANGES_PER_SHARD);
        assertThat(m.shardsFor(1024)).isEqualTo(1);
        assertThat(m.shardsFor(2 * rows - 1)).isEqualTo(1);
        assertThat(m.shardsFor(2 * rows)).isEqualTo(2);
        assertThat(new Mlp(new Mlp.Config(97, 128, List.of(256), 97), DataType.FLOAT, 0, 2).shardsFor(4704))
                .isEqualTo(2);
        assertThat(new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0).rangesFor(100_000))
                .isEqualTo(1);
        assertThat(new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0, 4).shardsFor(3 * rows))
                .isEqualTo(3);
        assertThatThrownBy(() -> new Mlp(Mlp.Config.simpleGrokking(53), DataType.FLOAT, 0, 0))
                .hasMessage("shards must be >= 1, got 0");
    }

    @Test
    void aBadLabelFailsTheStepAndLeavesTheModelUsable() {
        Random rng = new Random(16);
        Mlp.Config c = new Mlp.Config(7, 4, List.of(5), 7);
        Mlp one = new Mlp(c, DataType.DOUBLE, 9);
        Mlp sharded = mlp(c, DataType.DOUBLE, 9, 3);
        Batch batch = GradCheck.randomBatch(12, 7, rng);
        int[] bad = GradCheck.randomLabels(12, 7, rng);
        int[] good = bad.clone();
        bad[10] = 7; // in the last shard; the message names the batch's row, not the shard's
        INDArray dLogits = Nd4j.create(DataType.DOUBLE, 12, 7);
        assertThatThrownBy(() -> sharded.trainStep(batch, bad, Loss.CROSS_ENTROPY, dLogits))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label 7 at row 10 is outside [0, 7)");
        assertSameStep(one, sharded, batch, good, Loss.CROSS_ENTROPY, 1e-12);
    }

    @Test
    void theShardedStepLeavesNoForwardForBackward() {
        Mlp m = mlp(new Mlp.Config(7, 4, List.of(5), 7), DataType.DOUBLE, 1, 2);
        Random rng = new Random(17);
        m.trainStep(
                GradCheck.randomBatch(8, 7, rng),
                GradCheck.randomLabels(8, 7, rng),
                Loss.CROSS_ENTROPY,
                Nd4j.create(DataType.DOUBLE, 8, 7));
        assertThatThrownBy(() -> m.backward(Nd4j.create(DataType.DOUBLE, 8, 7)))
                .isInstanceOf(IllegalStateException.class);
    }
}
