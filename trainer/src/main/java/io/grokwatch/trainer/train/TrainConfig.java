package io.grokwatch.trainer.train;

import io.grokwatch.events.config.Setting;
import io.grokwatch.events.config.SettingTable;
import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.model.Transformer;
import io.grokwatch.trainer.optim.AdamW;
import io.grokwatch.trainer.optim.Sgd;
import io.grokwatch.trainer.task.Op;
import java.util.List;
import java.util.Map;

/**
 * Everything that defines a run; immutable, validated on construction, written into run_started and checkpoints.
 *
 * <pre>{@code TrainConfig c = Presets.get("simple-grokking").toBuilder().steps(5000).seed(7).build();}</pre>
 *
 * <p>Each field is defined once, in {@link #TABLE}: its default (simple-grokking's, Liu et al.), its check, its
 * flag and its doc. The builder starts from the table, {@code grokwatch train}'s flags and TRAINING.md's flag
 * table are made from it. Rules of the optimizer and the transformer are theirs ({@link AdamW.Config},
 * {@link Sgd.Config}, {@link Transformer.Config#checkShape}); the constructor applies them.
 */
public record TrainConfig(
        String name,
        // task
        Op op,
        int p,
        double trainFraction,
        long seed,
        // model
        ModelKind model,
        int embedDim, // MLP
        List<Integer> hidden, // MLP hidden widths
        int layers, // transformer
        int dModel,
        int heads,
        int dMlp,
        boolean layerNorm,
        // optimizer
        OptimizerKind optimizer,
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        int warmupSteps,
        double momentum, // SGD only
        // loop
        long steps,
        int evalEvery,
        int snapshotEvery, // 0 = never
        int batchSize, // 0 = full batch
        Loss loss,
        // gradient filters
        Grokfast grokfast,
        double grokfastAlpha,
        double grokfastLambda,
        int grokfastWindow,
        boolean orthoGrad,
        // phase thresholds and stopping
        double trainThreshold, // t_train (Liu et al.: 0.9)
        double valThreshold, // t_val
        long stopAfterGrokSteps, // -1 = never
        double stopAccuracy) { // what counts as grokked for stopAfterGrokSteps

    public enum ModelKind {
        MLP,
        TRANSFORMER
    }

    /** ADAMW: decoupled weight decay; ADAM: weight decay as an L2 gradient term (torch.optim.Adam); SGD: L2. */
    public enum OptimizerKind {
        ADAMW,
        ADAM,
        SGD
    }

    public enum Grokfast {
        NONE,
        EMA,
        MA
    }

    /** stopAfterGrokSteps when the run does not stop at grokking. */
    public static final long NEVER = -1;

    /** Every field, in component order: default, check, flag and doc. */
    public static final SettingTable<TrainConfig> TABLE = SettingTable.builder(TrainConfig.class)
            .define(Setting.ofString("name", "custom")
                    .check(s -> !s.isBlank(), "must not be blank")
                    .noFlag()
                    .doc("label of the setup (the preset's name)"))
            .define(Setting.ofEnum("op", Op.class, Op.ADD)
                    .parser(Op::parse)
                    .flags("--op", "--task")
                    .label("OP")
                    .doc("operation: add, sub, mul, div, squares, quadratic, cubic, s5 (or x+y, x-y, x*y, x/y, ...)"))
            .define(Setting.ofInt("p", 53)
                    .check(v -> v >= 2, "must be >= 2")
                    .label("P")
                    .doc("prime modulus"))
            .define(Setting.ofDouble("trainFraction", 0.6)
                    .check(v -> v > 0 && v < 1, "must be in (0, 1)")
                    .label("F")
                    .doc("share of all pairs in the training set"))
            .define(Setting.ofLong("seed", 0)
                    .label("N")
                    .doc("seeds the split, the initialization and the minibatch order"))
            .define(Setting.ofEnum("model", ModelKind.class, ModelKind.MLP)
                    .label("KIND")
                    .doc("model family: mlp or transformer"))
            .define(Setting.ofInt("embedDim", 128)
                    .check(v -> v >= 1, "must be >= 1")
                    .label("D")
                    .doc("MLP: token embedding width"))
            .define(Setting.ofIntList("hidden", List.of(128))
                    .check(l -> l.stream().allMatch(h -> h >= 1), "sizes must be >= 1")
                    .label("H[,H...]")
                    .doc("MLP: hidden layer widths, e.g. 128 or 256,128"))
            .define(Setting.ofInt("layers", 1).label("N").doc("transformer: number of layers"))
            .define(Setting.ofInt("dModel", 128).label("D").doc("transformer: residual width"))
            .define(Setting.ofInt("heads", 4).label("N").doc("transformer: attention heads (must divide --d-model)"))
            .define(Setting.ofInt("dMlp", 512).label("D").doc("transformer: MLP width"))
            .define(Setting.ofBoolean("layerNorm", false).doc("transformer: LayerNorm before each block"))
            .define(
                    Setting.ofEnum("optimizer", OptimizerKind.class, OptimizerKind.ADAMW)
                            .label("KIND")
                            .doc(
                                    "adamw (decoupled weight decay), adam (weight decay as an L2 gradient term, as torch.optim.Adam) or sgd"))
            .define(Setting.ofDouble("lr", 3e-2).label("LR").doc("learning rate"))
            .define(Setting.ofDouble("beta1", 0.9).label("B").doc("Adam(W) beta1"))
            .define(Setting.ofDouble("beta2", 0.999).label("B").doc("Adam(W) beta2"))
            .define(Setting.ofDouble("eps", 1e-8).label("E").doc("Adam(W) epsilon"))
            .define(Setting.ofDouble("weightDecay", 0.03)
                    .label("WD")
                    .doc("weight decay (adamw: decoupled; adam and sgd: L2, added after the gradient filters)"))
            .define(Setting.ofInt("warmupSteps", 0)
                    .flags("--warmup", "--warmup-steps")
                    .label("N")
                    .doc("linear learning-rate warmup steps"))
            .define(Setting.ofDouble("momentum", 0).label("M").doc("SGD momentum"))
            .define(Setting.ofLong("steps", 10_000)
                    .check(v -> v >= 0, "must be >= 0")
                    .label("N")
                    .doc("step budget: the run's total, also when resuming"))
            .define(Setting.ofInt("evalEvery", 10)
                    .check(v -> v >= 1, "must be >= 1")
                    .label("N")
                    .doc("evaluate on the full train and val sets and publish a step record every N steps"))
            .define(Setting.ofInt("snapshotEvery", 0)
                    .check(v -> v >= 0, "must be >= 0")
                    .label("N")
                    .doc("publish the token embedding matrix every N steps (0 = never)"))
            .define(Setting.ofInt("batchSize", 0)
                    .check(v -> v >= 0, "must be >= 0 (0 = full batch)")
                    .label("N")
                    .doc("minibatch size, 0 = full batch"))
            .define(Setting.ofEnum("loss", Loss.class, Loss.CROSS_ENTROPY)
                    .parser(Loss::parse)
                    .label("KIND")
                    .doc("ce (softmax cross-entropy) or stablemax (Prieto et al. 2025)"))
            .define(Setting.ofEnum("grokfast", Grokfast.class, Grokfast.NONE)
                    .label("KIND")
                    .doc("Grokfast gradient filter (Lee et al. 2024): ema, ma or none"))
            .define(Setting.ofDouble("grokfastAlpha", 0.98)
                    .check(v -> v >= 0 && v < 1, "must be in [0, 1)")
                    .label("A")
                    .doc("Grokfast-EMA decay (paper: 0.98)"))
            .define(Setting.ofDouble("grokfastLambda", 2.0)
                    .check(Double::isFinite, "must be finite")
                    .label("L")
                    .doc("Grokfast amplification (paper: 2 for EMA, 5 for MA)"))
            .define(Setting.ofInt("grokfastWindow", 100)
                    .check(v -> v >= 1, "must be >= 1")
                    .label("N")
                    .doc("Grokfast-MA window (paper: 100)"))
            .define(Setting.ofBoolean("orthoGrad", false).doc("the ⊥Grad filter (Prieto et al. 2025)"))
            .define(Setting.ofDouble("trainThreshold", 0.9)
                    .check(v -> v > 0 && v <= 1, "must be in (0, 1]")
                    .label("A")
                    .doc("train accuracy that defines t_train (Liu et al.: 0.9), as the analyzer's trainThreshold"))
            .define(Setting.ofDouble("valThreshold", 0.9)
                    .check(v -> v > 0 && v <= 1, "must be in (0, 1]")
                    .label("A")
                    .doc("val accuracy that defines t_val (Liu et al.: 0.9), as the analyzer's valThreshold"))
            .define(
                    Setting.ofLong("stopAfterGrokSteps", NEVER)
                            .check(v -> v >= 0 || v == NEVER, "must be >= 0 steps (or -1: never)")
                            .flags("--stop-after-grok")
                            .label("N")
                            .doc(
                                    "stop N steps after val accuracy first reaches --stop-accuracy (0: at once, -1: never); the run ends GROKKED"))
            .define(Setting.ofDouble("stopAccuracy", 0.99)
                    .check(v -> v > 0 && v <= 1, "must be in (0, 1]")
                    .label("A")
                    .doc("val accuracy that counts as grokked for --stop-after-grok"))
            .build();

    public TrainConfig {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        require(
                op != null && model != null && optimizer != null && loss != null && grokfast != null,
                "op, model, optimizer, loss and grokfast must be set");
        if (model == ModelKind.TRANSFORMER) {
            Transformer.Config.checkShape(layers, dModel, heads, dMlp);
        }
        // the optimizers' own rules, whichever one runs: a sweep over optimizers meets every field
        new AdamW.Config(lr, beta1, beta2, eps, weightDecay, warmupSteps);
        new Sgd.Config(lr, momentum, weightDecay, warmupSteps);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** True when the run stops itself {@link #stopAfterGrokSteps} steps after val accuracy reaches stopAccuracy. */
    public boolean stopsAfterGrok() {
        return stopAfterGrokSteps != NEVER;
    }

    public AdamW.Config adamConfig() {
        return new AdamW.Config(lr, beta1, beta2, eps, weightDecay, warmupSteps);
    }

    public Sgd.Config sgdConfig() {
        return new Sgd.Config(lr, momentum, weightDecay, warmupSteps);
    }

    public static Builder builder() {
        return new Builder(TABLE.defaults());
    }

    public Builder toBuilder() {
        return new Builder(TABLE.values(this));
    }

    /** Starts from the table's defaults (simple-grokking's); every setter checks nothing until {@link #build()}. */
    public static final class Builder {
        private final Map<String, Object> values;

        private Builder(Map<String, Object> values) {
            this.values = values;
        }

        /** Sets a field by its name, for grids and command lines; IllegalArgumentException for an unknown name. */
        public Builder set(String field, Object value) {
            TABLE.get(field);
            values.put(field, value);
            return this;
        }

        public Builder name(String v) {
            return set("name", v);
        }

        public Builder op(Op v) {
            return set("op", v);
        }

        public Builder p(int v) {
            return set("p", v);
        }

        public Builder trainFraction(double v) {
            return set("trainFraction", v);
        }

        public Builder seed(long v) {
            return set("seed", v);
        }

        public Builder model(ModelKind v) {
            return set("model", v);
        }

        public Builder embedDim(int v) {
            return set("embedDim", v);
        }

        public Builder hidden(List<Integer> v) {
            return set("hidden", v == null ? List.of() : List.copyOf(v));
        }

        public Builder layers(int v) {
            return set("layers", v);
        }

        public Builder dModel(int v) {
            return set("dModel", v);
        }

        public Builder heads(int v) {
            return set("heads", v);
        }

        public Builder dMlp(int v) {
            return set("dMlp", v);
        }

        public Builder layerNorm(boolean v) {
            return set("layerNorm", v);
        }

        public Builder optimizer(OptimizerKind v) {
            return set("optimizer", v);
        }

        public Builder lr(double v) {
            return set("lr", v);
        }

        public Builder betas(double b1, double b2) {
            return set("beta1", b1).set("beta2", b2);
        }

        public Builder eps(double v) {
            return set("eps", v);
        }

        public Builder weightDecay(double v) {
            return set("weightDecay", v);
        }

        public Builder warmupSteps(int v) {
            return set("warmupSteps", v);
        }

        public Builder momentum(double v) {
            return set("momentum", v);
        }

        public Builder steps(long v) {
            return set("steps", v);
        }

        public Builder evalEvery(int v) {
            return set("evalEvery", v);
        }

        public Builder snapshotEvery(int v) {
            return set("snapshotEvery", v);
        }

        public Builder batchSize(int v) {
            return set("batchSize", v);
        }

        public Builder loss(Loss v) {
            return set("loss", v);
        }

        public Builder grokfast(Grokfast v) {
            return set("grokfast", v);
        }

        public Builder grokfastAlpha(double v) {
            return set("grokfastAlpha", v);
        }

        public Builder grokfastLambda(double v) {
            return set("grokfastLambda", v);
        }

        public Builder grokfastWindow(int v) {
            return set("grokfastWindow", v);
        }

        public Builder orthoGrad(boolean v) {
            return set("orthoGrad", v);
        }

        public Builder trainThreshold(double v) {
            return set("trainThreshold", v);
        }

        public Builder valThreshold(double v) {
            return set("valThreshold", v);
        }

        public Builder stopAfterGrokSteps(long v) {
            return set("stopAfterGrokSteps", v);
        }
        /** true: stop at the first evaluation that reaches stopAccuracy; false: never. */
        public Builder stopAfterGrok(boolean v) {
            return stopAfterGrokSteps(v ? 0 : NEVER);
        }

        public Builder stopAccuracy(double v) {
            return set("stopAccuracy", v);
        }

        public TrainConfig build() {
            return TABLE.create(values);
        }
    }
}
