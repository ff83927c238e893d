package io.grokwatch.cli.train;

import io.grokwatch.cli.KafkaClientLogs;
import io.grokwatch.cli.KafkaOptions;
import io.grokwatch.cli.OneLine;
import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.checkpoint.CheckpointMismatchException;
import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch train}: one training run, published to Kafka (or a .jsonl file), with checkpoints and
 * a progress line.
 *
 * <pre>
 * grokwatch train --preset simple-grokking --steps 6000 --metrics-out run.jsonl
 * grokwatch train --preset nanda --checkpoint-dir ckpt/nanda --checkpoint-every 1000
 * grokwatch train --resume ckpt/nanda --steps 30000
 * </pre>
 */
@Command(
        name = "train",
        modelTransformer = TrainConfigFlags.class,
        description = {
            "Trains one run of a preset (--preset), changed by the flags given, and "
                    + "publishes run_started, every evaluated step, embedding snapshots and run_finished to Kafka, keyed by "
                    + "the run id. Follows grokwatch.control: STOP ends the run, CHECKPOINT writes a checkpoint.",
            "Training never waits for Kafka: a broker that is down is reported once and the run goes on. "
                    + "Progress goes to stderr, the summary to stdout. Exit 0 when the run completed, grokked or was stopped, "
                    + "1 when it diverged or failed, 2 on a usage error.",
            "With --resume the run continues from a checkpoint exactly, under the checkpoint's run id and config; "
                    + "flags may change only the step budget, evaluation, snapshots and stopping."
        })
public final class TrainCommand implements Callable<Integer> {
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            completionCandidates = RunDescription.PresetNames.class,
            description = "Published setup to start from: ${COMPLETION-CANDIDATES} (default "
                    + TrainConfigFlags.DEFAULT_PRESET + "; with --resume, the checkpoint's config).")
    String preset;

    @Option(
            names = "--run",
            paramLabel = "ID",
            description = "Run id (default: the preset name and the time, e.g. simple-grokking-20250101-120000; "
                    + "with --resume, the checkpoint's).")
    String runId;

    // ---------------------------------------------------------------- outputs

    @Option(
            names = "--metrics-out",
            paramLabel = "FILE.jsonl",
            description = "Also write every step record to this file, one JSON line each (appended when resuming).")
    Path metricsOut;

    @Option(names = "--no-kafka", description = "Publish nothing to Kafka and follow no control commands.")
    boolean noKafka;

    // ---------------------------------------------------------------- checkpoints

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description =
                    "Write checkpoints (step-NNNNNNNNNN.ckpt) here: every --checkpoint-every steps, on a CHECKPOINT "
                            + "command and at the end. One directory per run. Default with --resume: the checkpoint's directory.")
    Path checkpointDir;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Steps between checkpoints; 0 = only at the end and on request.")
    long checkpointEvery;

    @Option(
            names = "--checkpoint-keep",
            paramLabel = "K",
            defaultValue = "3",
            description = "Checkpoints kept in the directory, newest first.")
    int checkpointKeep;

    @Option(
            names = "--resume",
            paramLabel = "PATH",
            description = "Continue from a checkpoint file, or the latest checkpoint in a directory.")
    Path resume;

    // ---------------------------------------------------------------- runtime

    @Option(
            names = "--threads",
            paramLabel = "N",
            description =
                    "Threads: an MLP splits each large batch over them, ND4J single-threaded (default: all cores); a "
                            + "transformer gives them to ND4J (default 1). Defaults come from grokwatch.threads / GROKWATCH_THREADS when set; "
                            + "with --resume, the checkpoint's count, which continues the run bit for bit.")
    Integer threads;

    @Option(
            names = "--progress-interval",
            paramLabel = "SECONDS",
            defaultValue = "5",
            description =
                    "When stderr is not a terminal, print a progress line at most this often (0: every evaluated step).")
    double progressInterval;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KafkaClientLogs.quietConnectionRetries();
        validateRuntimeFlags();
        CheckpointRules checkpoints = new CheckpointRules(spec.commandLine(), resume);
        Checkpoint from = checkpoints.readResumeCheckpoint();
        TrainConfig cfg = TrainConfigFlags.resolve(spec, preset, from);
        String run = runId != null ? runId : from != null ? from.run() : RunDescription.newRunId(cfg.name(), false);
        Path ckptDir = checkpoints.directory(checkpointDir);
        checkpoints.requireUsable(ckptDir, from);

        Progress progress = new Progress(
                err, System.console() != null, cfg.steps(), Duration.ofMillis(Math.round(progressInterval * 1000)));
        Properties kafkaProps = noKafka ? null : kafka.clientProperties();
        TrainingSession session;
        try {
            session = TrainingSession.builder(cfg, run)
                    .resumeFrom(from)
                    .threads(threads)
                    .checkpoints(ckptDir, checkpointEvery, checkpointKeep)
                    .kafka(kafkaProps)
                    .metrics(openMetrics(progress))
                    .progress(progress)
                    .open();
        } catch (TrainingSession.BadKafkaSettings e) {
            throw usage("Kafka settings (--bootstrap-servers, --kafka-config): " + e.getMessage());
        } catch (IllegalArgumentException e) {
            if (from != null && e.getCause() instanceof CheckpointMismatchException m)
                throw usage("--resume " + resume + ": " + m.getMessage());
            throw usage(TrainConfigFlags.flagged(e.getMessage()));
        }
        Trainer trainer = session.trainer();
        if (from != null && from.threads() > 0 && trainer.threads() != from.threads()) {
            // an MLP sums its row shards per thread: another grouping rounds differently from here on
            err.println("grokwatch train: --threads " + trainer.threads() + " differs from the checkpoint's "
                    + from.threads() + ": the run continues, but not bit for bit as it would on " + from.threads());
        }

        CountDownLatch done = new CountDownLatch(1);
        Thread shutdownHook = onCtrlC(session, done);
        out.println("grokwatch train: run " + run
                + (from != null ? " resumed at step " + from.step() + " from " + resume : "") + ": "
                + RunDescription.describe(cfg));
        out.flush();
        try {
            session.run();
        } finally {
            done.countDown();
            removeHook(shutdownHook);
            TrainingSession.Result r = session.lastResult();
            if (r != null && r.outcome() != null) {
                TrainSummary.print(
                        out,
                        run,
                        cfg,
                        r.outcome(),
                        r.seconds(),
                        r.startStep(),
                        r.kafkaStats(),
                        r.fileStats(),
                        r.checkpointer());
            }
        }
        Outcome outcome = session.outcome();
        return outcome == null || outcome.status() == Outcome.Status.FAILED ? 1 : 0;
    }

    // ---------------------------------------------------------------- configuration

    private void validateRuntimeFlags() {
        if (threads != null && threads < 1) throw usage("--threads must be >= 1, got " + threads);
        if (!(progressInterval >= 0)) throw usage("--progress-interval must be >= 0 seconds, got " + progressInterval);
        if (checkpointEvery < 0) throw usage("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (checkpointKeep < 1) throw usage("--checkpoint-keep must be >= 1, got " + checkpointKeep);
        if (runId != null && runId.isBlank()) throw usage("--run must not be empty");
        boolean ckptFlags = spec.commandLine().getParseResult().hasMatchedOption("--checkpoint-every")
                || spec.commandLine().getParseResult().hasMatchedOption("--checkpoint-keep");
        if (ckptFlags && checkpointDir == null && resume == null) {
            throw usage("--checkpoint-every and --checkpoint-keep need --checkpoint-dir DIR");
        }
    }

    private JsonlStepWriter openMetrics(Progress progress) {
        if (metricsOut == null) return null;
        try {
            return JsonlStepWriter.builder(metricsOut)
                    .append(resume != null)
                    .warnings(progress::println)
                    .open();
        } catch (IOException e) {
            throw usage("--metrics-out " + metricsOut + ": " + OneLine.describe(e));
        }
    }

    /** Ctrl-C stops training at the next step, so run_finished, the final checkpoint and the summary still happen. */
    private Thread onCtrlC(TrainingSession session, CountDownLatch done) {
        Thread hook = new Thread(
                () -> {
                    session.interrupt();
                    try {
                        done.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "grokwatch-train-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static void removeHook(Thread hook) {
        if (hook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running and waits for `done`
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
