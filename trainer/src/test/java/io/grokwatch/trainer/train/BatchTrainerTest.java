package io.grokwatch.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.task.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchTrainerTest {
    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    /** Every listener call in order, with the values a run's records carry. */
    static final class Calls implements StepListener {
        final List<String> order = new ArrayList<>();
        final List<StepMetrics> steps = new ArrayList<>();
        final List<float[][]> snapshots = new ArrayList<>();
        Outcome outcome;

        @Override
        public void onStep(StepMetrics m) {
            order.add("step " + m.step());
            steps.add(m);
        }

        @Override
        public void onSnapshot(long step, float[][] embedding) {
            order.add("snapshot " + step);
            snapshots.add(embedding);
        }

        @Override
        public void onFinish(Outcome o) {
            order.add("finish " + o.status());
            outcome = o;
        }
    }

    private static TrainConfig.Builder simple() {
        return Presets.get("simple-grokking").toBuilder().steps(300);
    }

    /** Same-shape runs that differ in what a sweep varies, plus an SGD run and a minibatch run. */
    private static List<TrainConfig> sweepLike() {
        return List.of(
                simple().seed(0)
                        .weightDecay(0.03)
                        .trainFraction(0.6)
                        .snapshotEvery(100)
                        .build(),
                simple().seed(1).weightDecay(1).trainFraction(0.3).lr(1e-2).build(),
                simple().seed(2)
                        .weightDecay(3)
                        .trainFraction(0.8)
                        .warmupSteps(20)
                        .build(),
                simple().seed(3)
                        .optimizer(TrainConfig.OptimizerKind.SGD)
                        .lr(0.5)
                        .momentum(0.9)
                        .weightDecay(1e-3)
                        .trainFraction(0.5)
                        .build(),
                simple().seed(4)
                        .batchSize(256)
                        .trainFraction(0.4)
                        .evalEvery(7)
                        .steps(150)
                        .build());
    }

    @Test
    void eachMemberRecordsWhatItWouldRecordAlone() {
        List<TrainConfig> cfgs = sweepLike();
        List<Calls> alone = new ArrayList<>();
        List<Outcome> lone = new ArrayList<>();
        for (TrainConfig cfg : cfgs) {
            Calls c = new Calls();
            lone.add(new Trainer(cfg, c, 1).run());
            alone.add(c);
        }
        // Exact: the same BLAS calls with the same arguments, the same loops and AdamW's own double loop, so the same
        // bits. On nd4j-native, Nd4j.gemm forwards these row-major calls to the OpenBLAS sgemm that MlpStack calls; a
        // backend whose gemm is not that OpenBLAS (a oneDNN build, CUDA) would round differently and fail this.
        compare(cfgs, alone, lone, true, 0, 0);
        // Float Adam: ~1e-7 relative differences a step, which training amplifies. Trainer with 2 step threads instead
        // of 1 (rounding changes of that size in the gradients only) drifted up to 1.2e-5 (train loss) and 3.1e-4
        // (gradNorm) relative over 300 steps of simple-grokking here; float Adam rounds every parameter's update and
        // drifted further: 1.7e-2 train loss, 3.9e-2 val loss (both small late in a run, so relatively sensitive),
        // 3.2e-3 weightNorm, 1.2e-2 gradNorm, 3.6e-3 val accuracy. Tolerances ~2.5x above that: the same run, not
        // the same bits.
        compare(cfgs, alone, lone, false, 0.1, 0.01);
    }

    private static void compare(
            List<TrainConfig> cfgs, List<Calls> alone, List<Outcome> lone, boolean exact, double rel, double accAbs) {
        List<Calls> batched = new ArrayList<>();
        for (int i = 0; i < cfgs.size(); i++) {
            batched.add(new Calls());
        }
        List<Outcome> outs = new BatchTrainer(cfgs, List.copyOf(batched), 2)
                .floatAdam(!exact)
                .run();
        List<ToDoubleFunction<StepMetrics>> fields = List.of(
                StepMetrics::trainLoss,
                StepMetrics::valLoss,
                StepMetrics::weightNorm,
                StepMetrics::weightDistance,
                StepMetrics::gradNorm,
                StepMetrics::trainAcc,
                StepMetrics::valAcc);
        List<String> names =
                List.of("trainLoss", "valLoss", "weightNorm", "weightDistance", "gradNorm", "trainAcc", "valAcc");
        double[] worst = new double[fields.size()];
        for (int i = 0; i < cfgs.size(); i++) {
            Calls b = batched.get(i);
            Calls a = alone.get(i);
            String run = (exact ? "exact" : "float Adam") + " run " + i;
            assertThat(b.order).as(run).isEqualTo(a.order);
            Outcome o = outs.get(i);
            Outcome l = lone.get(i);
            assertThat(List.of(o.status(), o.reason(), o.lastStep()))
                    .as(run)
                    .isEqualTo(List.of(l.status(), l.reason(), l.lastStep()));
            if (exact) {
                assertThat(List.of(o.trainReached(), o.valReached()))
                        .as(run)
                        .isEqualTo(List.of(l.trainReached(), l.valReached()));
                for (int s = 0; s < a.snapshots.size(); s++) {
                    assertThat(b.snapshots.get(s)).as(run + " snapshot " + s).isDeepEqualTo(a.snapshots.get(s));
                }
            }
            for (int s = 0; s < a.steps.size(); s++) {
                StepMetrics x = b.steps.get(s);
                StepMetrics y = a.steps.get(s);
                String at = run + " step " + y.step();
                assertThat(x.step()).as(at).isEqualTo(y.step());
                assertThat(x.lr()).as(at).isEqualTo(y.lr());
                // stepsPerSecond and timeMillis are wall-clock readings, not compared
                for (int f = 0; f < fields.size(); f++) {
                    double u = fields.get(f).applyAsDouble(x);
                    double w = fields.get(f).applyAsDouble(y);
                    boolean accuracy = f >= 5;
                    double diff = u == w ? 0 : accuracy ? Math.abs(u - w) : Math.abs(u - w) / Math.abs(w);
                    worst[f] = Math.max(worst[f], diff);
                    assertThat(diff)
                            .as(at + " " + names.get(f) + ": " + u + " batched vs " + w + " alone")
                            .isLessThanOrEqualTo(accuracy ? accAbs : rel);
                }
            }
        }
        System.out.println((exact ? "exact" : "float Adam") + ": worst differences " + names + " (relative; "
                + "accuracies absolute) " + Arrays.toString(worst));
    }

    @Test
    void aStoppedMemberEndsAloneAndTheOthersFinish() {
        List<TrainConfig> cfgs = List.of(
                simple().seed(0).steps(60).build(),
                simple().seed(1).steps(60).build(),
                simple().seed(2).steps(60).build());
        Calls[] calls = {new Calls(), new Calls(), new Calls()};
        BatchTrainer[] holder = new BatchTrainer[1];
        StepListener stopAt20 = new StepListener() {
            @Override
            public void onStep(StepMetrics m) {
                calls[1].onStep(m);
                if (m.step() == 20) {
                    holder[0].stopRequested(1).set(true);
                }
            }

            @Override
            public void onFinish(Outcome o) {
                calls[1].onFinish(o);
            }
        };
        holder[0] = new BatchTrainer(cfgs, List.of(calls[0], stopAt20, calls[2]), 2);
        List<Outcome> outs = holder[0].run();
        assertThat(outs)
                .extracting(Outcome::status)
                .containsExactly(Outcome.Status.COMPLETED, Outcome.Status.STOPPED, Outcome.Status.COMPLETED);
        assertThat(outs.get(1).reason()).isEqualTo("stop requested at step 21");
        assertThat(calls[1].steps).extracting(StepMetrics::step).containsExactly(0L, 10L, 20L);
        assertThat(calls[0].steps).extracting(StepMetrics::step).containsExactly(0L, 10L, 20L, 30L, 40L, 50L, 60L);
        assertThat(calls[2].order).endsWith("step 60", "finish COMPLETED");
    }

    @Test
    void aDivergingMemberFailsAloneAndTheOthersFinish() {
        List<TrainConfig> cfgs = List.of(
                simple().seed(0).steps(40).build(),
                simple().seed(1)
                        .steps(40)
                        .optimizer(TrainConfig.OptimizerKind.SGD)
                        .lr(1e30)
                        .build());
        Calls[] calls = {new Calls(), new Calls()};
        List<Outcome> outs = new BatchTrainer(cfgs, List.of(calls[0], calls[1]), 1).run();
        assertThat(outs.get(0).status()).isEqualTo(Outcome.Status.COMPLETED);
        assertThat(outs.get(1).status()).isEqualTo(Outcome.Status.FAILED);
        assertThat(outs.get(1).reason()).startsWith("non-finite loss at step ");
        assertThat(calls[1].steps.get(calls[1].steps.size() - 1).trainLoss()).isNaN();
        assertThat(calls[0].steps).extracting(StepMetrics::step).containsExactly(0L, 10L, 20L, 30L, 40L);
        assertThat(calls[0].steps).allSatisfy(m -> assertThat(m.trainLoss()).isFinite());
    }

    @Test
    void rejectsWhatItCannotBatchWithTheReason() {
        TrainConfig mlp = simple().build();
        TrainConfig nanda = Presets.get("nanda");
        assertThat(BatchTrainer.canBatch(
                        mlp,
                        mlp.toBuilder()
                                .seed(9)
                                .weightDecay(1)
                                .trainFraction(0.2)
                                .build()))
                .isTrue();
        assertThat(BatchTrainer.cannotBatch(mlp, nanda))
                .hasValue("model TRANSFORMER is not batched; only MLPs are (nanda)");
        assertThat(BatchTrainer.cannotBatch(
                        mlp, mlp.toBuilder().hidden(List.of(256)).build()))
                .hasValue("shapes differ: mlp vocab 53 embed 128 hidden [128] vs mlp vocab 53 embed 128 hidden [256]");
        assertThat(BatchTrainer.cannotBatch(
                        mlp, mlp.toBuilder().grokfast(TrainConfig.Grokfast.EMA).build()))
                .hasValue("gradient filters (grokfast EMA, orthoGrad false) are not batched (simple-grokking)");
        assertThat(BatchTrainer.cannotBatch(
                        mlp, mlp.toBuilder().op(Op.MUL).p(97).build()))
                .hasValue("shapes differ: mlp vocab 53 embed 128 hidden [128] vs mlp vocab 97 embed 128 hidden [128]");
        assertThatThrownBy(() -> new BatchTrainer(List.of(mlp, nanda), Arrays.asList(null, null), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config 1 cannot join the batch: model TRANSFORMER is not batched; only MLPs are (nanda)");
    }
}
