package io.grokwatch.trainer.train;

import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.task.Op;
import java.util.List;

/**
 * Everything that defines a run; immutable, validated on construction, written into run_started and checkpoints.
 *
 * <pre>{@code TrainConfig c = Presets.get("simple-grokking").toBuilder().steps(5000).seed(7).build();}</pre>
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
        // stopping and phase thresholds
        boolean stopAfterGrok,
        double valThreshold, // t_train / t_val threshold (Liu et al.: 0.9)
        double stopAccuracy) { // stopAfterGrok stops once val acc reaches this

    public enum ModelKind { MLP, TRANSFORMER }

    /** ADAMW: decoupled weight decay; ADAM: weight decay as an L2 gradient term (torch.optim.Adam); SGD: L2. */
    public enum OptimizerKind { ADAMW, ADAM, SGD }

    public enum Grokfast { NONE, EMA, MA }

    public TrainConfig {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        require(name != null && !name.isBlank(), "name must not be blank, got '" + name + "'");
        require(op != null, "op must not be null");
        require(model != null, "model must not be null");
        require(optimizer != null, "optimizer must not be null");
        require(loss != null, "loss must not be null");
        require(grokfast != null, "grokfast must not be null");
        require(trainFraction > 0 && trainFraction < 1, "trainFraction must be in (0, 1), got " + trainFraction);
        if (model == ModelKind.MLP) {
            require(embedDim >= 1, "embedDim must be >= 1, got " + embedDim);
            for (int h : hidden) {
                require(h >= 1, "hidden sizes must be >= 1, got " + hidden);
            }
        } else {
            require(layers >= 1, "layers must be >= 1, got " + layers);
            require(heads >= 1 && dModel >= 1 && dModel % heads == 0, "dModel must be a positive multiple of heads, got dModel " + dModel + ", heads " + heads);
            require(dMlp >= 1, "dMlp must be >= 1, got " + dMlp);
        }
        require(lr >= 0 && Double.isFinite(lr), "lr must be finite and >= 0, got " + lr);
        require(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + beta2);
        require(eps >= 0, "eps must be >= 0, got " + eps);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay must be finite and >= 0, got " + weightDecay);
        require(warmupSteps >= 0, "warmupSteps must be >= 0, got " + warmupSteps);
        require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        require(steps >= 0, "steps must be >= 0, got " + steps);
        require(evalEvery >= 1, "evalEvery must be >= 1, got " + evalEvery);
        require(snapshotEvery >= 0, "snapshotEvery must be >= 0, got " + snapshotEvery);
        require(batchSize >= 0, "batchSize must be >= 0 (0 = full batch), got " + batchSize);
        require(grokfastAlpha >= 0 && grokfastAlpha < 1, "grokfastAlpha must be in [0, 1), got " + grokfastAlpha);
        require(Double.isFinite(grokfastLambda), "grokfastLambda must be finite, got " + grokfastLambda);
        require(grokfastWindow >= 1, "grokfastWindow must be >= 1, got " + grokfastWindow);
        require(valThreshold > 0 && valThreshold <= 1, "valThreshold must be in (0, 1], got " + valThreshold);
        require(stopAccuracy > 0 && stopAccuracy <= 1, "stopAccuracy must be in (0, 1], got " + stopAccuracy);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Defaults are simple-grokking's (Liu et al.): x+y mod 53, 60% train, MLP 128/128, AdamW 3e-2, wd 0.03. */
    public static final class Builder {
        private String name = "custom";
        private Op op = Op.ADD;
        private int p = 53;
        private double trainFraction = 0.6;
        private long seed = 0;
        private ModelKind model = ModelKind.MLP;
        private int embedDim = 128;
        private List<Integer> hidden = List.of(128);
        private int layers = 1;
        private int dModel = 128;
        private int heads = 4;
        private int dMlp = 512;
        private boolean layerNorm = false;
        private OptimizerKind optimizer = OptimizerKind.ADAMW;
        private double lr = 3e-2;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 0.03;
        private int warmupSteps = 0;
        private double momentum = 0;
        private long steps = 10_000;
        private int evalEvery = 10;
        private int snapshotEvery = 0;
        private int batchSize = 0;
        private Loss loss = Loss.CROSS_ENTROPY;
        private Grokfast grokfast = Grokfast.NONE;
        private double grokfastAlpha = 0.98;
        private double grokfastLambda = 2.0;
        private int grokfastWindow = 100;
        private boolean orthoGrad = false;
        private boolean stopAfterGrok = false;
        private double valThreshold = 0.9;
        private double stopAccuracy = 0.99;

        private Builder() {
        }

        private Builder(TrainConfig c) {
            name = c.name; op = c.op; p = c.p; trainFraction = c.trainFraction; seed = c.seed; model = c.model;
            embedDim = c.embedDim; hidden = c.hidden; layers = c.layers; dModel = c.dModel; heads = c.heads;
            dMlp = c.dMlp; layerNorm = c.layerNorm; optimizer = c.optimizer; lr = c.lr; beta1 = c.beta1;
            beta2 = c.beta2; eps = c.eps; weightDecay = c.weightDecay; warmupSteps = c.warmupSteps;
            momentum = c.momentum; steps = c.steps; evalEvery = c.evalEvery; snapshotEvery = c.snapshotEvery;
            batchSize = c.batchSize; loss = c.loss; grokfast = c.grokfast; grokfastAlpha = c.grokfastAlpha;
            grokfastLambda = c.grokfastLambda; grokfastWindow = c.grokfastWindow; orthoGrad = c.orthoGrad;
            stopAfterGrok = c.stopAfterGrok; valThreshold = c.valThreshold; stopAccuracy = c.stopAccuracy;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder op(Op v) { op = v; return this; }
        public Builder p(int v) { p = v; return this; }
        public Builder trainFraction(double v) { trainFraction = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder model(ModelKind v) { model = v; return this; }
        public Builder embedDim(int v) { embedDim = v; return this; }
        public Builder hidden(List<Integer> v) { hidden = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder dModel(int v) { dModel = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder dMlp(int v) { dMlp = v; return this; }
        public Builder layerNorm(boolean v) { layerNorm = v; return this; }
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder snapshotEvery(int v) { snapshotEvery = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder loss(Loss v) { loss = v; return this; }
        public Builder grokfast(Grokfast v) { grokfast = v; return this; }
        public Builder grokfastAlpha(double v) { grokfastAlpha = v; return this; }
        public Builder grokfastLambda(double v) { grokfastLambda = v; return this; }
        public Builder grokfastWindow(int v) { grokfastWindow = v; return this; }
        public Builder orthoGrad(boolean v) { orthoGrad = v; return this; }
        public Builder stopAfterGrok(boolean v) { stopAfterGrok = v; return this; }
        public Builder valThreshold(double v) { valThreshold = v; return this; }
        public Builder stopAccuracy(double v) { stopAccuracy = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(name, op, p, trainFraction, seed, model, embedDim, hidden, layers, dModel, heads, dMlp,
                    layerNorm, optimizer, lr, beta1, beta2, eps, weightDecay, warmupSteps, momentum, steps, evalEvery,
                    snapshotEvery, batchSize, loss, grokfast, grokfastAlpha, grokfastLambda, grokfastWindow, orthoGrad,
                    stopAfterGrok, valThreshold, stopAccuracy);
        }
    }
}
