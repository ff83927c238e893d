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
import java.time.Duration;
import java.util.Locale;

/**
 * Runs one preset for a long time, writing step records to a .jsonl file and a progress line every ~30 s.
 *
 * <pre>{@code java ... io.grokwatch.trainer.bench.LongRun nanda 20000 50 bench/runs/nanda.jsonl}</pre>
 *
 * <p>Stops 500 steps after val accuracy first reaches 0.99 (so the file shows the plateau after grokking),
 * or at the step budget.
 */
public final class LongRun {
    static final int STEPS_AFTER_GROK = 500;
    static final double GROK_ACCURACY = 0.99;

    private LongRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LongRun PRESET STEPS EVAL_EVERY OUT.jsonl  (presets: " + Presets.names() + ")");
            System.exit(2);
        }
        TrainConfig cfg = Presets.get(args[0]).toBuilder()
                .steps(Long.parseLong(args[1]))
                .evalEvery(Integer.parseInt(args[2]))
                .stopAfterGrok(false)
                .build();
        Outcome o = run(cfg, Path.of(args[3]), args[0] + "-long");
        System.out.println("finished: " + o.status() + " (" + o.reason() + "), t_train " + o.trainReached() + ", t_val "
                + o.valReached());
    }

    /** Runs cfg to its budget or to 500 steps past val 0.99, logging to stdout and step records to out. */
    static Outcome run(TrainConfig cfg, Path out, String runId) throws Exception {
        try (JsonlStepWriter writer = JsonlStepWriter.builder(out)
                .flushInterval(Duration.ofSeconds(5))
                .open()) {
            Trainer[] holder = new Trainer[1];
            long t0 = System.nanoTime();
            StepListener listener = new StepListener() {
                long grokStep = -1;
                long lastPrint = System.nanoTime();

                @Override
                public void onStep(StepMetrics m) {
                    writer.publish(Records.step(runId, m.step())
                            .train(m.trainLoss(), m.trainAcc())
                            .val(m.valLoss(), m.valAcc())
                            .time(m.timeMillis())
                            .weightNorm(m.weightNorm())
                            .weightDistance(m.weightDistance())
                            .gradNorm(m.gradNorm())
                            .lr(m.lr())
                            .stepsPerSecond(m.stepsPerSecond())
                            .build());
                    if (grokStep < 0 && m.valAcc() >= GROK_ACCURACY) {
                        grokStep = m.step();
                        System.out.println("val acc " + m.valAcc() + " >= " + GROK_ACCURACY + " at step " + grokStep
                                + "; running " + STEPS_AFTER_GROK + " more steps");
                    }
                    if (grokStep >= 0 && m.step() >= grokStep + STEPS_AFTER_GROK) {
                        holder[0].stopRequested().set(true);
                    }
                    long now = System.nanoTime();
                    if (now - lastPrint >= 30_000_000_000L) {
                        lastPrint = now;
                        System.out.println(String.format(
                                Locale.ROOT,
                                "%6.0fs step %6d train %.4f/%.3f val %.4f/%.3f |w| %.2f %.1f steps/s",
                                (now - t0) / 1e9,
                                m.step(),
                                m.trainLoss(),
                                m.trainAcc(),
                                m.valLoss(),
                                m.valAcc(),
                                m.weightNorm(),
                                m.stepsPerSecond()));
                    }
                }
            };
            Trainer trainer = new Trainer(cfg, listener);
            holder[0] = trainer;
            System.out.println("LongRun " + cfg.name() + ": " + cfg.steps() + " steps, eval every " + cfg.evalEvery()
                    + ", " + Backend.describe() + " -> " + out);
            Outcome o = trainer.run();
            System.out.println(String.format(Locale.ROOT, "wall %.0f s", (System.nanoTime() - t0) / 1e9));
            return o;
        }
    }
}
