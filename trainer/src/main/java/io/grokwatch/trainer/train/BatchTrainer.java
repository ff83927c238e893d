package io.grokwatch.trainer.train;

import io.grokwatch.trainer.model.Batch;
import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.model.Mlp;
import io.grokwatch.trainer.model.MlpStack;
import io.grokwatch.trainer.model.RangeRunner;
import io.grokwatch.trainer.optim.Optimizer;
import io.grokwatch.trainer.task.Examples;
import io.grokwatch.trainer.task.S5;
import io.grokwatch.trainer.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Trains several same-shape MLP runs in one loop: a sweep's runs that differ in seed, weight decay, lr, train
 * fraction, optimizer or budget, each with its own split, optimizer state, stop flag and listener.
 *
 * <pre>{@code List<Outcome> outs = new BatchTrainer(List.of(cfgA, cfgB), List.of(listenerA, listenerB), 2).run();}</pre>
 *
 * <p>Each step advances every member still running by one step of its own {@link Trainer} loop: the members'
 * weights live in one {@link MlpStack}, and the step's members are spread over {@code threads} threads (each
 * member's step runs on one thread; listeners are called afterwards on the caller's thread, in member order). A
 * member's listener gets the calls a lone {@code new Trainer(cfg, listener, 1)} would give it, with the same
 * values: the same bits on nd4j-native (see BatchTrainerTest), unless {@link #floatAdam} trades them for speed.
 * A member that ends (budget, stop-after-grok, non-finite loss, stop request) drops out; the rest go on.
 * Supported: MLPs with one hidden layer, AdamW / Adam / SGD, without gradient filters; {@link #cannotBatch} says
 * why a config is not. Not supported: checkpoints and resuming (the Trainer's step hook).
 */
public final class BatchTrainer {
    private final MlpStack stack;
    private final List<Member> members = new ArrayList<>();
    private final int threads;
    private final ThreadLocal<float[][]> scratch = new ThreadLocal<>(); // parameters and gradients, heap copies
    private boolean floatAdam;

    /**
     * @param cfgs runs of one {@link #shapeKey}, each supported ({@link #cannotBatch})
     * @param listeners one per config (null entries: none)
     * @param threads members are stepped on this many threads at once; ND4J and OpenBLAS run single-threaded
     */
    public BatchTrainer(List<TrainConfig> cfgs, List<StepListener> listeners, int threads) {
        if (cfgs.isEmpty()) {
            throw new IllegalArgumentException("a BatchTrainer needs at least one config");
        }
        if (listeners.size() != cfgs.size()) {
            throw new IllegalArgumentException(
                    cfgs.size() + " configs but " + listeners.size() + " listeners; give one listener per config");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        for (int i = 0; i < cfgs.size(); i++) {
            Optional<String> why = cannotBatch(cfgs.get(0), cfgs.get(i));
            if (why.isPresent()) {
                throw new IllegalArgumentException("config " + i + " cannot join the batch: " + why.get());
            }
        }
        this.threads = threads;
        Backend.threads(1); // our threads are the members'; an OpenBLAS thread pool under them would fight them
        long[] seeds = new long[cfgs.size()];
        for (int i = 0; i < cfgs.size(); i++) {
            seeds[i] = cfgs.get(i).seed();
        }
        TrainConfig first = cfgs.get(0);
        int vocab = vocab(first);
        this.stack = new MlpStack(new Mlp.Config(vocab, first.embedDim(), first.hidden(), vocab), seeds);
        for (int i = 0; i < cfgs.size(); i++) {
            StepListener l = listeners.get(i);
            members.add(new Member(i, cfgs.get(i), l == null ? StepListener.NONE : l));
        }
    }

    /** What members of one batch share: the stacked weights' shape (vocabulary, embedding and hidden widths). */
    public static String shapeKey(TrainConfig cfg) {
        return "mlp vocab " + vocab(cfg) + " embed " + cfg.embedDim() + " hidden " + cfg.hidden();
    }

    /** True when a and b can train in one batch. */
    public static boolean canBatch(TrainConfig a, TrainConfig b) {
        return cannotBatch(a, b).isEmpty();
    }

    /** Why a and b cannot train in one batch, or empty when they can. */
    public static Optional<String> cannotBatch(TrainConfig a, TrainConfig b) {
        Optional<String> why = unsupported(a).or(() -> unsupported(b));
        if (why.isPresent()) {
            return why;
        }
        if (!shapeKey(a).equals(shapeKey(b))) {
            return Optional.of("shapes differ: " + shapeKey(a) + " vs " + shapeKey(b));
        }
        return Optional.empty();
    }

    /** Why one config cannot be trained by a BatchTrainer at all, or empty. */
    public static Optional<String> unsupported(TrainConfig cfg) {
        if (cfg.model() != TrainConfig.ModelKind.MLP) {
            return Optional.of("model " + cfg.model() + " is not batched; only MLPs are (" + cfg.name() + ")");
        }
        if (cfg.hidden().size() != 1) {
            return Optional.of(
                    "only MLPs with one hidden layer are batched, " + cfg.name() + " has hidden " + cfg.hidden());
        }
        if (cfg.grokfast() != TrainConfig.Grokfast.NONE || cfg.orthoGrad()) {
            return Optional.of("gradient filters (grokfast " + cfg.grokfast() + ", orthoGrad " + cfg.orthoGrad()
                    + ") are not batched (" + cfg.name() + ")");
        }
        return Optional.empty();
    }

    private static int vocab(TrainConfig cfg) {
        return cfg.op().isGroup() ? S5.ORDER : cfg.p();
    }

    /**
     * With true, Adam(W) runs in float arithmetic, which the JIT vectorizes (~0.02 ms a member step instead of
     * ~0.28 ms for simple-grokking), but its rounding drifts from the lone run: over 300 steps up to ~2% in train loss,
     * ~4% in val loss and ~0.4% in val accuracy (BatchTrainerTest). False, the default, runs AdamW's own double arithmetic:
     * every member reproduces its lone run bit for bit. SGD is the lone run's arithmetic either way. Call before
     * {@link #run()}.
     */
    public BatchTrainer floatAdam(boolean on) {
        this.floatAdam = on;
        return this;
    }

    /** Set member i's flag from any thread to stop that run (only it) at the start of its next step. */
    public AtomicBoolean stopRequested(int i) {
        return members.get(i).stop;
    }

    public int size() {
        return members.size();
    }

    /** Member i's task (its split). */
    public Task task(int i) {
        return members.get(i).task;
    }

    /** Trains every member until each has ended; the outcomes in config order. */
    public List<Outcome> run() {
        List<Member> active = new ArrayList<>(members);
        for (long step = 0; !active.isEmpty(); step++) {
            for (Member m : active) {
                if (m.stop.get()) {
                    m.outcome = new Outcome(
                            Outcome.Status.STOPPED,
                            "stop requested at step " + step,
                            step,
                            m.trainReached,
                            m.valReached,
                            m.last);
                }
            }
            finishEnded(active);
            Member[] now = active.toArray(new Member[0]);
            long s = step;
            RangeRunner.run(now.length, threads, i -> now[i].advance(s));
            for (Member m : now) {
                if (m.emitted != null) {
                    m.listener.onStep(m.emitted);
                    m.emitted = null;
                }
                if (m.snapshot != null) {
                    m.listener.onSnapshot(s, m.snapshot);
                    m.snapshot = null;
                }
            }
            finishEnded(active);
        }
        List<Outcome> outs = new ArrayList<>();
        for (Member m : members) {
            outs.add(m.outcome);
        }
        return outs;
    }

    private static void finishEnded(List<Member> active) {
        active.removeIf(m -> {
            if (m.outcome == null) {
                return false;
            }
            m.listener.onFinish(m.outcome);
            return true;
        });
    }

    private final ThreadLocal<double[][]> doubleScratch = new ThreadLocal<>(); // exact Adam's double passes

    private double[][] doubleScratch() {
        double[][] s = doubleScratch.get();
        if (s == null || s[0].length < stack.paramCount()) {
            s = new double[2][stack.paramCount()];
            doubleScratch.set(s);
        }
        return s;
    }

    private float[][] scratch() {
        float[][] s = scratch.get();
        if (s == null || s[0].length < stack.paramCount()) {
            s = new float[2][stack.paramCount()];
            scratch.set(s);
        }
        return s;
    }

    /** One run of the batch: Trainer.run's loop state, stepped one step at a time. */
    private final class Member {
        final int k;
        final TrainConfig cfg;
        final StepListener listener;
        final Task task;
        final AtomicBoolean stop = new AtomicBoolean();
        final boolean full;
        final Trainer.Batcher batcher; // null with full batches
        final float[] m; // float Adam's first moment, or SGD's momentum buffer
        final float[] v; // float Adam's second moment
        final double[] mExact; // exact Adam's moments: float values held as doubles (see adamExact)
        final double[] vExact;
        final double initNorm;
        long updates; // optimizer steps taken
        long trainReached = -1;
        long valReached = -1;
        long grokReached = -1;
        StepMetrics last;
        long lastEvalStep;
        long lastEvalNanos = System.nanoTime();
        // written by advance() on a step thread, read and cleared by run() on the caller after the step
        StepMetrics emitted;
        float[][] snapshot;
        Outcome outcome;

        Member(int k, TrainConfig cfg, StepListener listener) {
            this.k = k;
            this.cfg = cfg;
            this.listener = listener;
            this.task = Task.create(cfg.op(), cfg.p(), cfg.trainFraction(), cfg.seed());
            int n = task.train().size();
            this.full = cfg.batchSize() == 0 || cfg.batchSize() >= n;
            this.batcher = full ? null : new Trainer.Batcher(task.train(), cfg.batchSize(), cfg.seed());
            boolean sgd = cfg.optimizer() == TrainConfig.OptimizerKind.SGD;
            this.m = new float[stack.paramCount()];
            this.v = sgd ? null : new float[stack.paramCount()];
            this.mExact = sgd ? null : new double[stack.paramCount()];
            this.vExact = sgd ? null : new double[stack.paramCount()];
            this.initNorm = stack.initialNorm(k);
        }

        double lr() {
            return Optimizer.warmedUp(cfg.lr(), cfg.warmupSteps(), updates);
        }

        /** Trainer.run's loop body for this step, from the batch to the update; the caller checked the stop flag. */
        void advance(long step) {
            Examples train = task.train();
            Examples val = task.val();
            boolean update = step < cfg.steps();
            boolean eval = step % cfg.evalEvery() == 0 || !update;
            Loss loss = cfg.loss();
            Loss.Result r;
            if (full) {
                r = stack.trainStep(k, train.a(), train.b(), train.label(), loss);
            } else {
                Batch batch = batcher.next();
                r = stack.trainStep(k, batch.a(), batch.b(), batcher.labels(), loss);
            }
            boolean finite = Double.isFinite(r.loss());
            if (eval || !finite) {
                Loss.Result tr = full ? r : stack.evaluate(k, train.a(), train.b(), train.label(), loss);
                Loss.Result vr = stack.evaluate(k, val.a(), val.b(), val.label(), loss);
                long now = System.nanoTime();
                double sps = step == lastEvalStep ? 0 : (step - lastEvalStep) / ((now - lastEvalNanos) / 1e9);
                lastEvalStep = step;
                lastEvalNanos = now;
                last = new StepMetrics(
                        step,
                        tr.loss(),
                        tr.accuracy(),
                        vr.loss(),
                        vr.accuracy(),
                        stack.weightNorm(k),
                        stack.distanceFromInitial(k) / initNorm,
                        finite ? stack.gradNorm(k) : Double.NaN,
                        lr(),
                        sps,
                        System.currentTimeMillis());
                emitted = last;
                if (trainReached < 0 && tr.accuracy() >= cfg.trainThreshold()) {
                    trainReached = step;
                }
                if (valReached < 0 && vr.accuracy() >= cfg.valThreshold()) {
                    valReached = step;
                }
                if (!finite) {
                    outcome = new Outcome(
                            Outcome.Status.FAILED,
                            "non-finite loss at step " + step,
                            step,
                            trainReached,
                            valReached,
                            last);
                    return;
                }
                if (grokReached < 0 && vr.accuracy() >= cfg.stopAccuracy()) {
                    grokReached = step;
                }
                if (cfg.stopsAfterGrok() && grokReached >= 0 && step >= grokReached + cfg.stopAfterGrokSteps()) {
                    String reason = cfg.stopAfterGrokSteps() == 0
                            ? "val accuracy " + vr.accuracy() + " >= " + cfg.stopAccuracy() + " at step " + step
                            : "val accuracy reached " + cfg.stopAccuracy() + " at step " + grokReached + "; stopped "
                                    + (step - grokReached) + " steps later";
                    outcome = new Outcome(Outcome.Status.GROKKED, reason, step, trainReached, valReached, last);
                    return;
                }
            }
            if (cfg.snapshotEvery() > 0 && step % cfg.snapshotEvery() == 0) {
                snapshot = stack.tokenEmbedding(k);
            }
            if (update) {
                optimize();
            } else {
                outcome = new Outcome(
                        Outcome.Status.COMPLETED,
                        "ran " + cfg.steps() + " steps",
                        cfg.steps(),
                        trainReached,
                        valReached,
                        last);
            }
        }

        /** One optimizer step on this member's segment: Sgd's float arithmetic op for op, Adam(W) as configured. */
        void optimize() {
            float[][] s = scratch();
            float[] pp = s[0];
            float[] gg = s[1];
            stack.readValues(k, pp);
            stack.readGrads(k, gg);
            int n = stack.paramCount();
            double lr = lr();
            if (cfg.optimizer() == TrainConfig.OptimizerKind.SGD) {
                // Sgd: d = p * wd + g, buf = d on the first step else buf * mu + d, p -= d * lr (float ops)
                float wd = (float) cfg.weightDecay();
                float mu = (float) cfg.momentum();
                float flr = (float) lr;
                for (int i = 0; i < n; i++) {
                    float d = pp[i] * wd + gg[i];
                    if (mu > 0) {
                        m[i] = updates == 0 ? d : m[i] * mu + d;
                        d = m[i];
                    }
                    pp[i] = pp[i] - d * flr;
                }
            } else if (floatAdam) {
                adamFloat(pp, gg, n, lr);
            } else {
                adamExact(pp, gg, n, lr);
            }
            stack.writeValues(k, pp);
            updates++;
        }
        /**
         * AdamW.update's arithmetic op for op (double, moments rounded to float every step), so a lone run's bits, in
         * three passes: float to double, the update, double to float. Fused as in AdamW the conversions keep the JIT
         * from vectorizing it (1.05 ms for 46,517 parameters here); split, the middle pass vectorizes (0.28 ms).
         */
        private void adamExact(float[] pp, float[] gg, int n, double lr) {
            boolean l2 = cfg.optimizer() == TrainConfig.OptimizerKind.ADAM;
            long t = updates + 1;
            double decay = l2 ? 1.0 : 1.0 - lr * cfg.weightDecay();
            double l2wd = l2 ? cfg.weightDecay() : 0.0;
            double b1 = cfg.beta1();
            double b2 = cfg.beta2();
            double sqrtBc2 = Math.sqrt(1.0 - Math.pow(b2, t));
            double stepSize = lr / (1.0 - Math.pow(b1, t));
            double eps = cfg.eps();
            double[][] s = doubleScratch();
            double[] pd = s[0];
            double[] gd = s[1];
            double[] md = mExact;
            double[] vd = vExact;
            for (int i = 0; i < n; i++) {
                pd[i] = pp[i];
                gd[i] = gg[i];
            }
            for (int i = 0; i < n; i++) {
                double gi = gd[i] + l2wd * pd[i];
                double mi = b1 * md[i] + (1 - b1) * gi;
                double vi = b2 * vd[i] + (1 - b2) * gi * gi;
                md[i] = mi;
                vd[i] = vi;
                pd[i] = pd[i] * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps);
            }
            for (int i = 0; i < n; i++) {
                pp[i] = (float) pd[i];
                md[i] = (float) md[i]; // AdamW keeps its moments in float
                vd[i] = (float) vd[i];
            }
        }

        /**
         * The same update in float arithmetic in one pass, which the JIT vectorizes: ~0.02 ms instead of adamExact's
         * ~0.28 ms for simple-grokking's 46,517 parameters. Differs from the lone run by float rounding (~1e-7 relative a step), which training amplifies (see {@link #floatAdam}).
         */
        private void adamFloat(float[] pp, float[] gg, int n, double lr) {
            boolean l2 = cfg.optimizer() == TrainConfig.OptimizerKind.ADAM;
            long t = updates + 1;
            float decay = (float) (l2 ? 1.0 : 1.0 - lr * cfg.weightDecay());
            float l2wd = (float) (l2 ? cfg.weightDecay() : 0.0);
            float b1 = (float) cfg.beta1();
            float b2 = (float) cfg.beta2();
            float c1 = (float) (1 - cfg.beta1());
            float c2 = (float) (1 - cfg.beta2());
            float invSqrtBc2 = (float) (1 / Math.sqrt(1.0 - Math.pow(cfg.beta2(), t)));
            float stepSize = (float) (lr / (1.0 - Math.pow(cfg.beta1(), t)));
            float eps = (float) cfg.eps();
            for (int i = 0; i < n; i++) {
                float gi = gg[i] + l2wd * pp[i];
                float mi = b1 * m[i] + c1 * gi;
                float vi = b2 * v[i] + c2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                pp[i] = pp[i] * decay - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
            }
        }
    }
}
