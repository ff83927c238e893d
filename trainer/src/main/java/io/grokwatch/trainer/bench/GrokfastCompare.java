package io.grokwatch.trainer.bench;

import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.publish.Records;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Grokfast acceptance: steps to val accuracy 0.95 on x*y mod 97 (preset mlp97-grokfast) with Grokfast-EMA
 * (alpha 0.98, lambda 2.0; or with -Dfilter=ma Grokfast-MA, window 100, lambda 5) and without it, same seed;
 * prints both and the ratio.
 *
 * <pre>{@code java ... io.grokwatch.trainer.bench.GrokfastCompare [BUDGET 20000] [EVAL_EVERY 10] [OUTDIR bench/runs] [SEED 0] [both|ema|ma|none]}</pre>
 *
 * <p>Each run stops at val 0.95 or at the budget; step records (every 50th step, and the crossing) go to
 * OUTDIR/grokfast-ema.jsonl (or -ma) and OUTDIR/grokfast-none.jsonl.
 */
public final class GrokfastCompare {
    static final double TARGET = 0.95;
    static final int WRITE_EVERY = 50;
    static final boolean MA = System.getProperty("filter", "ema").equalsIgnoreCase("ma");
    static final double ALPHA = Double.parseDouble(System.getProperty("alpha", "0.98"));
    static final int WINDOW = Integer.getInteger("window", 100);
    // the authors' defaults: EMA (0.98, 2), MA (100, 5)
    static final double LAMBDA = Double.parseDouble(System.getProperty("lambda", MA ? "5.0" : "2.0"));
    static final String FILTER = MA ? "ma" : "ema";
    static final String LABEL =
            MA ? "Grokfast-MA (" + WINDOW + ", " + LAMBDA + ")" : "Grokfast-EMA (" + ALPHA + ", " + LAMBDA + ")";

    private GrokfastCompare() {}

    public static void main(String[] args) throws Exception {
        long budget = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
        int evalEvery = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Path.of(args.length > 2 ? args[2] : "bench/runs");
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 0;
        // which runs: "both" (default), "ema"/"ma" (the filtered arm) or "none" (to rerun one arm with a bigger budget)
        String which = args.length > 4 ? args[4] : "both";
        if (which.equals("ma")) {
            which = "ema";
        }
        // -Dlr, -Dwd, -Dbeta2, -Dbatch, -Dhidden, -Dopt (adamw|adam|sgd), -Dmomentum, -Deps override the preset's
        // optimizer (e.g. the Grokfast paper's Adam 1e-3, betas
        // 0.9/0.98, minibatches of 512); -Dalpha, -Dlambda the filter's.
        // default: mlp97's network with the Grokfast authors' optimizer; -Dpreset=mlp97 for simple-grokking's AdamW,
        // -Dpreset=power for the paper's network
        TrainConfig preset = Presets.get(System.getProperty("preset", "mlp97-grokfast"));
        TrainConfig base = preset.toBuilder()
                .seed(seed)
                .steps(budget)
                .evalEvery(evalEvery)
                .lr(Double.parseDouble(System.getProperty("lr", Double.toString(preset.lr()))))
                .weightDecay(Double.parseDouble(System.getProperty("wd", Double.toString(preset.weightDecay()))))
                .betas(preset.beta1(), Double.parseDouble(System.getProperty("beta2", Double.toString(preset.beta2()))))
                .batchSize(Integer.getInteger("batch", preset.batchSize()))
                .hidden(
                        preset.hidden().isEmpty()
                                ? preset.hidden()
                                : java.util.List.of(Integer.getInteger(
                                        "hidden", preset.hidden().get(0))))
                .op(io.grokwatch.trainer.task.Op.MUL)
                .p(97)
                .trainFraction(Double.parseDouble(System.getProperty("frac", "0.5")))
                .optimizer(TrainConfig.OptimizerKind.valueOf(
                        System.getProperty("opt", preset.optimizer().name()).toUpperCase(Locale.ROOT)))
                .momentum(Double.parseDouble(System.getProperty("momentum", Double.toString(preset.momentum()))))
                .eps(Double.parseDouble(System.getProperty("eps", Double.toString(preset.eps()))))
                .trainThreshold(TARGET)
                .valThreshold(TARGET)
                .stopAfterGrok(true)
                .stopAccuracy(TARGET)
                .build();
        String shape = base.model() == TrainConfig.ModelKind.MLP
                ? "MLP embed " + base.embedDim() + " hidden " + base.hidden()
                : "transformer " + base.layers() + " layers, d_model " + base.dModel() + ", " + base.heads() + " heads";
        System.out.println("GrokfastCompare: " + preset.name() + ", " + shape + ", " + base.op() + " mod " + base.p()
                + ", train " + base.trainFraction()
                + ", " + base.optimizer()
                + (base.optimizer() == TrainConfig.OptimizerKind.SGD ? " momentum " + base.momentum() : "") + ", lr "
                + base.lr() + " wd "
                + base.weightDecay() + " betas " + base.beta1() + "/" + base.beta2() + ", batch "
                + (base.batchSize() == 0 ? "full" : base.batchSize()) + ", seed " + seed + ", budget " + budget
                + ", eval every " + evalEvery);
        TrainConfig filtered = base.toBuilder()
                .name(preset.name() + "-" + FILTER)
                .grokfast(MA ? TrainConfig.Grokfast.MA : TrainConfig.Grokfast.EMA)
                .grokfastAlpha(ALPHA)
                .grokfastWindow(WINDOW)
                .grokfastLambda(LAMBDA)
                .build();
        long[] withFilter = which.equals("none")
                ? new long[] {-2, -2, 0}
                : run(filtered, dir.resolve("grokfast-" + FILTER + ".jsonl"));
        long[] none = which.equals("ema")
                ? new long[] {-2, -2, 0}
                : run(base.toBuilder().name(preset.name() + "-plain").build(), dir.resolve("grokfast-none.jsonl"));
        System.out.println("| run | steps to val " + TARGET + " | t_train (train " + TARGET + ") | wall s |");
        System.out.println("|---|---|---|---|");
        if (!which.equals("none")) {
            System.out.println(row(LABEL, withFilter, budget));
        }
        if (!which.equals("ema")) {
            System.out.println(row("plain " + base.optimizer().name().toLowerCase(Locale.ROOT), none, budget));
        }
        if (!which.equals("both")) {
            return;
        }
        if (withFilter[0] > 0 && none[0] > 0) {
            System.out.println(String.format(
                    Locale.ROOT,
                    "ratio plain/%s: %.1fx",
                    FILTER.toUpperCase(Locale.ROOT),
                    (double) none[0] / withFilter[0]));
        } else if (withFilter[0] > 0) {
            System.out.println(String.format(
                    Locale.ROOT,
                    "ratio plain/%s: > %.1fx (plain did not reach %.2f in %d steps: lower bound)",
                    FILTER.toUpperCase(Locale.ROOT),
                    (double) budget / withFilter[0],
                    TARGET,
                    budget));
        } else {
            System.out.println(LABEL + " did not reach " + TARGET + " within " + budget + " steps");
        }
    }

    private static String row(String name, long[] r, long budget) {
        return "| " + name + " | " + (r[0] >= 0 ? Long.toString(r[0]) : "> " + budget) + " | "
                + (r[1] >= 0 ? Long.toString(r[1]) : "-") + " | " + r[2] + " |";
    }

    /** Returns {t_val, t_train, wall seconds}. */
    static long[] run(TrainConfig cfg, Path out) throws Exception {
        long t0 = System.nanoTime();
        try (JsonlStepWriter writer = JsonlStepWriter.open(out)) {
            StepListener listener = new StepListener() {
                long lastPrint = System.nanoTime();

                @Override
                public void onStep(StepMetrics m) {
                    if (m.step() % WRITE_EVERY == 0 || m.valAcc() >= TARGET) {
                        writer.publish(Records.step(cfg.name(), m.step())
                                .train(m.trainLoss(), m.trainAcc())
                                .val(m.valLoss(), m.valAcc())
                                .time(m.timeMillis())
                                .weightNorm(m.weightNorm())
                                .weightDistance(m.weightDistance())
                                .gradNorm(m.gradNorm())
                                .lr(m.lr())
                                .stepsPerSecond(m.stepsPerSecond())
                                .build());
                    }
                    long now = System.nanoTime();
                    if (now - lastPrint >= 30_000_000_000L) {
                        lastPrint = now;
                        System.out.println(String.format(
                                Locale.ROOT,
                                "  %s step %d train %.3f val %.3f %.0f steps/s",
                                cfg.name(),
                                m.step(),
                                m.trainAcc(),
                                m.valAcc(),
                                m.stepsPerSecond()));
                    }
                }
            };
            Trainer trainer = new Trainer(cfg, listener);
            System.out.println(cfg.name() + ": " + Backend.describe());
            Outcome o = trainer.run();
            long wall = Math.round((System.nanoTime() - t0) / 1e9);
            System.out.println(cfg.name() + ": " + o.status() + " (" + o.reason() + "), t_val " + o.valReached()
                    + ", t_train " + o.trainReached() + ", " + wall + " s");
            return new long[] {o.valReached(), o.trainReached(), wall};
        }
    }
}
