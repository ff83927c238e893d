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

    public Trainer(TrainConfig cfg, StepListener listener) {
        this.cfg = cfg;
        this.listener = listener == null ? StepListener.NONE : listener;
        this.task = Task.create(cfg.op(), cfg.p(), cfg.trainFraction(), cfg.seed());
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getRandom().setSeed(cfg.seed());
        int v = task.vocabSize();
        this.model = switch (cfg.model()) {
            case MLP -> new Mlp(new Mlp.Config(v, cfg.embedDim(), cfg.hidden(), v), DataType.FLOAT, cfg.seed());
            case TRANSFORMER -> new Transformer(new Transformer.Config(v + 1, v, cfg.layers(), cfg.dModel(), cfg.heads(),
                    cfg.dMlp(), cfg.layerNorm(), 1.0 / Math.sqrt(cfg.dModel())), DataType.FLOAT, cfg.seed());
        };
        this.optimizer = switch (cfg.optimizer()) {
            case ADAMW -> new AdamW(model.params(), new AdamW.Config(cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay(), cfg.warmupSteps()));
            case SGD -> new Sgd(model.params(), new Sgd.Config(cfg.lr(), cfg.momentum(), cfg.weightDecay(), cfg.warmupSteps()));
        };
        // ⊥Grad first (it reshapes the raw gradient), then Grokfast amplifies the slow part of what is left.
        if (cfg.orthoGrad()) {
            filters.add(new OrthoGrad(true));
        }
        switch (cfg.grokfast()) {
            case EMA -> filters.add(new GrokfastEma(model.params(), cfg.grokfastAlpha(), cfg.grokfastLambda()));
            case MA -> filters.add(new GrokfastMa(model.params(), cfg.grokfastWindow(), cfg.grokfastLambda()));
            case NONE -> { }
        }
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
        Batcher batcher = full ? null : new Batcher(train, bs, cfg.seed());
        INDArray dLogits = Nd4j.create(DataType.FLOAT, bs, model.classes());
        INDArray flat = model.params().flatValues();
        INDArray init = flat.dup();
        INDArray scratch = flat.dup();
        // norms through BLAS nrm2: INDArray.norm2Number() took ~2 ms on 46k floats here, nrm2 a few µs
        var blas = Nd4j.getBlasWrapper();
        double initNorm = blas.nrm2(init);
        Loss loss = cfg.loss();

        long trainReached = -1;
        long valReached = -1;
        StepMetrics lastMetrics = null;
        long lastEvalStep = 0;
        long lastEvalNanos = System.nanoTime();
        for (long step = 0; step <= cfg.steps(); step++) {
            if (stopRequested.get()) {
                return finish(new Outcome(Outcome.Status.STOPPED, "stop requested at step " + step, step, trainReached, valReached, lastMetrics));
            }
            boolean update = step < cfg.steps();
            boolean eval = step % cfg.evalEvery() == 0 || !update;
            Batch batch = full ? trainAll : batcher.next();
            int[] labels = full ? train.label() : batcher.labels();
            Loss.Result r = loss.evaluate(model.forward(batch), labels, dLogits);
            boolean finite = Double.isFinite(r.loss());
            if (finite) {
                model.backward(dLogits);
            }
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
                lastMetrics = new StepMetrics(step, tr.loss(), tr.accuracy(), vr.loss(), vr.accuracy(), wNorm, dist, gNorm,
                        optimizer.learningRate(), sps, System.currentTimeMillis());
                listener.onStep(lastMetrics);
                if (trainReached < 0 && tr.accuracy() >= cfg.valThreshold()) {
                    trainReached = step;
                }
                if (valReached < 0 && vr.accuracy() >= cfg.valThreshold()) {
                    valReached = step;
                }
                if (!finite) {
                    return finish(new Outcome(Outcome.Status.FAILED, "non-finite loss at step " + step, step, trainReached, valReached, lastMetrics));
                }
                if (cfg.stopAfterGrok() && vr.accuracy() >= cfg.stopAccuracy()) {
                    return finish(new Outcome(Outcome.Status.GROKKED, "val accuracy " + vr.accuracy() + " >= " + cfg.stopAccuracy()
                            + " at step " + step, step, trainReached, valReached, lastMetrics));
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
        return finish(new Outcome(Outcome.Status.COMPLETED, "ran " + cfg.steps() + " steps", cfg.steps(), trainReached, valReached, lastMetrics));
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
            return batch;
        }

        int[] labels() {
            return labels;
        }
    }
}
