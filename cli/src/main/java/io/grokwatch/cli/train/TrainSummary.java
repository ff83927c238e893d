package io.grokwatch.cli.train;

import io.grokwatch.trainer.checkpoint.Checkpointer;
import io.grokwatch.trainer.publish.PublishStats;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepMetrics;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.PrintWriter;
import java.util.Locale;

/** The summary {@code grokwatch train} prints on stdout when a run ends. */
final class TrainSummary {
    private TrainSummary() {}

    /**
     * Status and reason, steps and speed, the last accuracies, t_train and t_val, what Kafka and the metrics file
     * got, and where the last checkpoint is. Null stats: that output was off.
     */
    static void print(
            PrintWriter out,
            String run,
            TrainConfig cfg,
            Outcome o,
            double seconds,
            long firstStep,
            PublishStats kafkaStats,
            PublishStats fileStats,
            Checkpointer checkpointer) {
        long ran = Math.max(0, o.lastStep() - firstStep);
        out.println(String.format(
                Locale.ROOT,
                "run %s %s: %s (%d steps in %.1f s, %.0f steps/s)",
                run,
                o.status(),
                o.reason(),
                ran,
                seconds,
                seconds > 0 ? ran / seconds : 0.0));
        StepMetrics m = o.last();
        if (m != null) {
            out.println(String.format(
                    Locale.ROOT,
                    "  step %d: train acc %.4f loss %.4g | val acc %.4f loss %.4g",
                    m.step(),
                    m.trainAcc(),
                    m.trainLoss(),
                    m.valAcc(),
                    m.valLoss()));
        }
        String thresholds = cfg.trainThreshold() == cfg.valThreshold()
                ? String.valueOf(cfg.valThreshold())
                : cfg.trainThreshold() + " (train) and " + cfg.valThreshold() + " (val)";
        out.println(String.format(
                Locale.ROOT,
                "  t_train %s, t_val %s (first steps with accuracy >= %s)",
                reached(o.trainReached()),
                reached(o.valReached()),
                thresholds));
        out.println(
                kafkaStats == null
                        ? "  Kafka: off (--no-kafka)"
                        : String.format(
                                Locale.ROOT,
                                "  Kafka: %d records published, %d delivered, %d dropped, %d failed",
                                kafkaStats.published(),
                                kafkaStats.delivered(),
                                kafkaStats.dropped(),
                                kafkaStats.failed()));
        if (fileStats != null) {
            out.println(String.format(
                    Locale.ROOT,
                    "  metrics file: %d step records written, %d failed",
                    fileStats.delivered(),
                    fileStats.failed()));
        }
        if (checkpointer != null) {
            out.println("  checkpoints: " + checkpointer.written() + " written to "
                    + checkpointer.directory().path()
                    + (checkpointer.failed() > 0 ? ", " + checkpointer.failed() + " failed" : "")
                    + checkpointer
                            .lastWritten()
                            .map(f -> "; resume with --resume " + f)
                            .orElse(""));
        }
        out.flush();
    }

    private static String reached(long step) {
        return step < 0 ? "not reached" : "step " + step;
    }
}
