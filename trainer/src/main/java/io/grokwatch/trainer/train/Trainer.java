package io.grokwatch.trainer.train;

import io.grokwatch.trainer.model.Batch;
import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.model.Mlp;
import io.grokwatch.trainer.model.Model;
import io.grokwatch.trainer.model.Transformer;
import io.grokwatch.trainer.optim.AdamW;
import io.grokwatch.trainer.optim.GradFilter;
import io.grokwatch.trainer.optim.GrokfastEma;
import io.grokwatch.trainer.optim.GrokfastMa;
import io.grokwatch.trainer.optim.Optimizer;
import io.grokwatch.trainer.optim.OrthoGrad;
import io.grokwatch.trainer.optim.Sgd;
import io.grokwatch.trainer.task.Examples;
import io.grokwatch.trainer.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one training run in float32 and reports through a {@link StepListener}.
 *
 * <pre>{@code Outcome o = new Trainer(Presets.get("simple-grokking"), listener).run();}</pre>
 *
 * <p>Step s forwards the batch, back-propagates and updates; at evaluated steps the metrics describe the
 * weights after s updates (before step s's own update), so step 0 is the initialization. The loop checks
 * {@link #stopRequested()} every step; construction builds and validates the task before any training.
 */
public final class Trainer {
    private final TrainConfig cfg;
    private final StepListener listener;
    private final Task task;
    private final Model model;
    private final Optimizer optimizer;
    private final List<GradFilter> filters = new ArrayList<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    // Checkpoint support (io.grokwatch.trainer.checkpoint): W0 is taken at construction so a resumed run measures
    // weightDistance from the same initialization; the hook runs at the top of every step.
    private final INDArray initialValues;
    private StepHook stepHook = StepHook.NONE;
    private LoopState resumeAt;
    private Batcher batcher; // the run's minibatch sampler, null with full batches
    private final int threads;

    /** With the model kind's default threads ({@link Backend#defaultThreads}). */
    public Trainer(TrainConfig cfg, StepListener listener) {
        this(cfg, listener, Backend.defaultThreads(cfg.model() == TrainConfig.ModelKind.MLP));
    }

    /**
     * @param threads an MLP splits each large batch across this many threads ({@link Mlp#trainStep}) and ND4J runs
     *     single-threaded; a transformer gives them to ND4J. Sets ND4J's process-wide thread count: a caller that
     *     changes it afterwards (Backend.threads) also changes it under the MLP's threads.
     */
    public Trainer(TrainConfig cfg, StepListener listener, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.cfg = cfg;
        this.threads = threads;
        this.listener = listener == null ? StepListener.NONE : listener;
        this.task = Task.create(cfg.op(), cfg.p(), cfg.trainFraction(), cfg.seed());
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Backend.threadsFor(cfg.model() == TrainConfig.ModelKind.MLP, threads);
        Backend.mlpThreadsInUse(cfg.model() == TrainConfig.ModelKind.MLP ? threads : 1);
        Nd4j.getRandom().setSeed(cfg.seed());
        int v = task.vocabSize();
        this.model = switch (cfg.model()) {
            case MLP ->
                new Mlp(new Mlp.Config(v, cfg.embedDim(), cfg.hidden(), v), DataType.FLOAT, cfg.seed(), threads);
            case TRANSFORMER ->
                new Transformer(
                        new Transformer.Config(
                                v + 1,
                                v,
                                cfg.layers(),
                                cfg.dModel(),
                                cfg.heads(),
                                cfg.dMlp(),
                                cfg.layerNorm(),
                                1.0 / Math.sqrt(cfg.dModel())),
                        DataType.FLOAT,
                        cfg.seed());
        };
        this.optimizer = switch (cfg.optimizer()) {
            case ADAMW -> new AdamW(model.params(), cfg.adamConfig(), AdamW.Decay.DECOUPLED);
            case ADAM -> new AdamW(model.params(), cfg.adamConfig(), AdamW.Decay.L2);
            case SGD -> new Sgd(model.params(), cfg.sgdConfig());
        };
        // ⊥Grad first (it reshapes the raw gradient), then Grokfast amplifies the slow part of what is left.
        if (cfg.orthoGrad()) {
            filters.add(new OrthoGrad(true));
        }
        switch (cfg.grokfast()) {
            case EMA -> filters.add(new GrokfastEma(model.params(), cfg.grokfastAlpha(), cfg.grokfastLambda()));
            case MA -> filters.add(new GrokfastMa(model.params(), cfg.grokfastWindow(), cfg.grokfastLambda()));
            case NONE -> {}
        }
        this.initialValues = model.params().flatValues().dup();
    }

    /**
     * Where the loop is at the top of a step: {@code step} updates done and {@code step} minibatches drawn;
     * t_train / t_val so far (-1 if not reached).
     */
    public record LoopState(long step, long trainReached, long valReached) {}

    /** The minibatch sampler after {@code draws} batches: position in the current epoch's permutation. */
    public record SamplerState(long draws, int position, int[] permutation) {}

    /** Called on the training thread at the top of every step, before its batch is drawn (e.g. to write checkpoints). */
    public interface StepHook {
        StepHook NONE = (trainer, state, ending) -> {};

        /**
         * @param ending true when the run ends at this state: the last step, a stop request, or (called a second
         *     time for the same step) stop-after-grok
         */
        void atStepStart(Trainer trainer, LoopState state, boolean ending);
    }

    /** Installs the hook called at the top of every step; call before {@link #run()}. */
    public void stepHook(StepHook hook) {
        this.stepHook = hook == null ? StepHook.NONE : hook;
    }

    /**
     * Makes {@link #run()} start at {@code state.step()} instead of 0, with the sampler advanced past that many
     * batches and t_train / t_val carried over. The caller has restored parameters, optimizer and filter state.
     */
    public void resumeAt(LoopState state) {
        if (state.step() < 0 || state.step() > cfg.steps()) {
            throw new IllegalArgumentException(
                    "resume step must be in [0, steps " + cfg.steps() + "], got " + state.step());
        }
        this.resumeAt = state;
    }

    /**
     * The sampler's state after {@code draws} batches (the live sampler's when it is there, else a seeded replay);
     * null with full batches.
     */
    public SamplerState samplerState(long draws) {
        int n = task.train().size();
        if (cfg.batchSize() == 0 || cfg.batchSize() >= n) {
            return null;
        }
        Batcher b = batcher;
        if (b == null || b.draws > draws) {
            b = new Batcher(task.train(), cfg.batchSize(), cfg.seed());
        }
        b.skip(draws - b.draws);
        return new SamplerState(b.draws, b.pos, b.perm.clone());
    }

    /** Set to true from any thread to stop at the start of the next step. */
    public AtomicBoolean stopRequested() {
        return stopRequested;
    }

    public Task task() {
        return task;
    }

    public Model model() {
        return model;
    }

    /** The step threads this trainer was built with: a checkpoint continues bit for bit only with the same count. */
    public int threads() {
        return threads;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public List<GradFilter> filters() {
        return filters;
    }

    public TrainConfig config() {
        return cfg;
    }

    public Outcome run() {
        Examples train = task.train();
        Examples val = task.val();
        Batch trainAll = new Batch(train.a(), train.b());
        Batch valAll = new Batch(val.a(), val.b());
        boolean full = cfg.batchSize() == 0 || cfg.batchSize() >= train.size();
        int bs = full ? train.size() : cfg.batchSize();
        batcher = full ? null : new Batcher(train, bs, cfg.seed());
        INDArray dLogits = Nd4j.create(DataType.FLOAT, bs, model.classes());
        INDArray flat = model.params().flatValues();
        INDArray init = initialValues;
        INDArray scratch = flat.dup();
        // norms through BLAS nrm2: INDArray.norm2Number() took ~2 ms on 46k floats here, nrm2 a few µs
        var blas = Nd4j.getBlasWrapper();
        double initNorm = blas.nrm2(init);
        Loss loss = cfg.loss();

        long start = resumeAt == null ? 0 : resumeAt.step();
        if (batcher != null) {
            batcher.skip(start);
        }
        long trainReached = resumeAt == null ? -1 : resumeAt.trainReached();
        long valReached = resumeAt == null ? -1 : resumeAt.valReached();
        // not checkpointed: a run resumed between reaching stopAccuracy and the stop counts again from there
        long grokReached = -1;
        StepMetrics lastMetrics = null;
        long lastEvalStep = start;
        long lastEvalNanos = System.nanoTime();
        for (long step = start; step <= cfg.steps(); step++) {
            boolean stop = stopRequested.get();
            stepHook.atStepStart(this, new LoopState(step, trainReached, valReached), stop || step == cfg.steps());
            if (stop) {
                return finish(new Outcome(
                        Outcome.Status.STOPPED,
                        "stop requested at step " + step,
                        step,
                        trainReached,
                        valReached,
                        lastMetrics));
            }
            boolean update = step < cfg.steps();
            boolean eval = step % cfg.evalEvery() == 0 || !update;
            Batch batch = full ? trainAll : batcher.next();
            int[] labels = full ? train.label() : batcher.labels();
            Loss.Result r = model.trainStep(batch, labels, loss, dLogits); // gradients in params() when finite
            boolean finite = Double.isFinite(r.loss());
            if (eval || !finite) {
                Loss.Result tr = full ? r : loss.evaluate(model.forward(trainAll), train.label(), null);
                Loss.Result vr = loss.evaluate(model.forward(valAll), val.label(), null);
                long now = System.nanoTime();
                double sps = step == lastEvalStep ? 0 : (step - lastEvalStep) / ((now - lastEvalNanos) / 1e9);
                lastEvalStep = step;
                lastEvalNanos = now;
                double wNorm = blas.nrm2(flat);
                double dist = blas.nrm2(scratch.assign(flat).subi(init)) / initNorm;
                double gNorm = finite ? blas.nrm2(model.params().flatGrads()) : Double.NaN;
                lastMetrics = new StepMetrics(
                        step,
                        tr.loss(),
                        tr.accuracy(),
                        vr.loss(),
                        vr.accuracy(),
                        wNorm,
                        dist,
                        gNorm,
                        optimizer.learningRate(),
                        sps,
                        System.currentTimeMillis());
                listener.onStep(lastMetrics);
                if (trainReached < 0 && tr.accuracy() >= cfg.trainThreshold()) {
                    trainReached = step;
                }
                if (valReached < 0 && vr.accuracy() >= cfg.valThreshold()) {
                    valReached = step;
                }
                if (!finite) {
                    return finish(new Outcome(
                            Outcome.Status.FAILED,
                            "non-finite loss at step " + step,
                            step,
                            trainReached,
                            valReached,
                            lastMetrics));
                }
                if (grokReached < 0 && vr.accuracy() >= cfg.stopAccuracy()) {
                    grokReached = step;
                }
                if (cfg.stopsAfterGrok() && grokReached >= 0 && step >= grokReached + cfg.stopAfterGrokSteps()) {
                    stepHook.atStepStart(this, new LoopState(step, trainReached, valReached), true);
                    String reason = cfg.stopAfterGrokSteps() == 0
                            ? "val accuracy " + vr.accuracy() + " >= " + cfg.stopAccuracy() + " at step " + step
                            : "val accuracy reached " + cfg.stopAccuracy() + " at step " + grokReached + "; stopped "
                                    + (step - grokReached) + " steps later";
                    return finish(
                            new Outcome(Outcome.Status.GROKKED, reason, step, trainReached, valReached, lastMetrics));
                }
            }
            if (cfg.snapshotEvery() > 0 && step % cfg.snapshotEvery() == 0) {
                listener.onSnapshot(step, model.tokenEmbedding().toFloatMatrix());
            }
            if (update) {
                for (GradFilter f : filters) {
                    f.apply(model.params());
                }
                optimizer.step(model.params());
            }
        }
        return finish(new Outcome(
                Outcome.Status.COMPLETED,
                "ran " + cfg.steps() + " steps",
                cfg.steps(),
                trainReached,
                valReached,
                lastMetrics));
    }

    private Outcome finish(Outcome o) {
        listener.onFinish(o);
        return o;
    }

    /** Seeded minibatches without replacement: a fresh permutation each epoch, remainder dropped. */
    static final class Batcher {
        private final Examples src;
        private final int size;
        private final SplittableRandom rng;
        private final int[] perm;
        private final int[] a;
        private final int[] b;
        private final int[] labels;
        private final Batch batch;
        private int pos;
        private long draws; // batches drawn so far: at the top of step s it is s

        Batcher(Examples src, int size, long seed) {
            this.src = src;
            this.size = size;
            this.rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
            this.perm = new int[src.size()];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            this.a = new int[size];
            this.b = new int[size];
            this.labels = new int[size];
            this.batch = new Batch(a, b);
            this.pos = perm.length; // shuffle on first use
        }

        Batch next() {
            if (pos + size > perm.length) {
                for (int i = perm.length - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                pos = 0;
            }
            for (int i = 0; i < size; i++) {
                int k = perm[pos + i];
                a[i] = src.a()[k];
                b[i] = src.b()[k];
                labels[i] = src.label()[k];
            }
            pos += size;
            draws++;
            return batch;
        }

        /** Draws and discards k batches: the RNG cannot be saved, so a resumed run replays the seeded shuffles. */
        void skip(long k) {
            for (long i = 0; i < k; i++) {
                next();
            }
        }

        int[] labels() {
            return labels;
        }
    }
}
