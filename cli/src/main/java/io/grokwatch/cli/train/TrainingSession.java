package io.grokwatch.cli.train;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.checkpoint.CheckpointMismatchException;
import io.grokwatch.trainer.checkpoint.Checkpointer;
import io.grokwatch.trainer.checkpoint.TrainerState;
import io.grokwatch.trainer.publish.ControlListener;
import io.grokwatch.trainer.publish.EventPublisher;
import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.publish.NoKafka;
import io.grokwatch.trainer.publish.PublishStats;
import io.grokwatch.trainer.publish.PublishingListener;
import io.grokwatch.trainer.publish.RunPublisher;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * One run as {@code grokwatch train} does it: the trainer, its checkpoints, run_started, every step and run_finished to
 * Kafka (and a .jsonl file), and the control topic. {@code grokwatch train} and {@code grokwatch worker} both run this.
 *
 * <pre>{@code
 * TrainingSession s = TrainingSession.builder(cfg, "run-1").kafka(props).progress(progress).open();
 * TrainingSession.Result r = s.run();    // blocks until the run ends
 * }</pre>
 *
 * <p>{@link #open} builds the trainer and restores the checkpoint (bad config or checkpoint: IllegalArgumentException,
 * before anything is published); {@link #run} publishes and trains. {@link #stop} and {@link #handOver} may be called
 * from any thread.
 */
public final class TrainingSession {
    private static final Duration CLOSE_TIMEOUT = EventPublisher.DEFAULT_CLOSE_TIMEOUT;

    private final Builder b;
    private final Trainer trainer;
    private final RunListener listener;
    private final Checkpointer checkpointer;
    private final EventPublisher kafkaOut;

    /** How the run went, and what its outputs did. */
    public record Result(
            String run,
            TrainConfig config,
            Outcome outcome,
            double seconds,
            long startStep,
            PublishStats kafkaStats,
            PublishStats fileStats,
            Checkpointer checkpointer,
            boolean handedOver) {}

    /** Starts configuring one run of {@code cfg} under run id {@code run}. */
    public static Builder builder(TrainConfig cfg, String run) {
        return new Builder(cfg, run);
    }

    /** The trainer, e.g. for its thread count. */
    public Trainer trainer() {
        return trainer;
    }

    /** Ends the run after the current step, as a STOP command would; run_finished says STOPPED with this reason. */
    public void stop(ControlCommand cmd) {
        listener.stopCommand = cmd;
        PublishingListener p = listener.publishing;
        if (p != null) p.stopRequestedBy(cmd);
        trainer.stopRequested().set(true);
    }

    /** Ctrl-C: ends the run after the current step, and run_finished says it was interrupted. */
    public void interrupt() {
        listener.interrupted = true;
        trainer.stopRequested().set(true);
    }

    /**
     * Ends the run after the current step without run_finished (a final checkpoint is still written): the run is
     * not over, another worker continues it.
     */
    public void handOver() {
        if (listener.outcome != null) return; // over already: run_finished is out, nothing to hand over
        listener.suppressFinish = true;
        trainer.stopRequested().set(true);
    }

    /** Publishes run_started, trains until the run ends, and closes the outputs. */
    public Result run() {
        List<EventPublisher> publishers = new ArrayList<>();
        ControlListener control = null;
        PublishStats kafkaStats = null;
        PublishStats fileStats = null;
        long startMillis = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        try {
            if (b.metrics != null) publishers.add(b.metrics);
            publishers.add(kafkaOut);
            PublishingListener publishing = new PublishingListener(
                    b.run,
                    RunDescription.taskId(b.cfg),
                    RunDescription.modulus(b.cfg),
                    publishers,
                    b.progress::println);
            listener.publishing = publishing;
            if (listener.stopCommand != null) publishing.stopRequestedBy(listener.stopCommand);
            Map<String, Object> extra = new LinkedHashMap<>(resumedFrom(b.from));
            extra.putAll(b.extraConfig);
            kafkaOut.publish(RunDescription.runStarted(b.run, startMillis, b.cfg, trainer, extra));
            if (b.kafka != null && b.followControl) control = followControl(startMillis);
            try {
                trainer.run();
            } catch (RuntimeException e) {
                listener.failed(e); // run_finished FAILED with the error, then the caller fails with it
                throw e;
            } finally {
                b.progress.finish();
            }
        } finally {
            if (control != null) control.close();
            if (b.kafka != null) kafkaStats = kafkaOut.close(CLOSE_TIMEOUT);
            if (b.metrics != null) fileStats = b.metrics.close(CLOSE_TIMEOUT);
            lastResult = new Result(
                    b.run,
                    b.cfg,
                    listener.outcome,
                    (System.nanoTime() - startNanos) / 1e9,
                    b.from == null ? 0 : b.from.step(),
                    kafkaStats,
                    fileStats,
                    checkpointer,
                    listener.finishSuppressed);
        }
        return lastResult;
    }

    /** The result of {@link #run}, also when it threw (the outputs are closed and counted either way); else null. */
    public Result lastResult() {
        return lastResult;
    }

    private volatile Result lastResult;

    /** The outcome so far: null until the run has ended. */
    public Outcome outcome() {
        return listener.outcome;
    }

    private ControlListener followControl(long since) {
        return followControl(b.kafka, b.run, since, b.progress, this::stop, cmd -> {
            if (checkpointer == null) {
                b.progress.println(
                        "grokwatch: CHECKPOINT command " + cmd.id() + " ignored: this run has no --checkpoint-dir");
            } else {
                checkpointer.requestNow("CHECKPOINT command " + cmd.id());
            }
        });
    }

    /** Follows grokwatch.control for {@code run}: STOP calls {@code stop} and says so, CHECKPOINT {@code checkpoint}. */
    static ControlListener followControl(
            Properties kafka,
            String run,
            long since,
            Progress progress,
            java.util.function.Consumer<ControlCommand> stop,
            java.util.function.Consumer<ControlCommand> checkpoint) {
        return ControlListener.builder()
                .kafkaProperties(kafka)
                .run(run)
                .since(since)
                .onStop(cmd -> {
                    stop.accept(cmd);
                    progress.println("grokwatch: STOP command " + cmd.id()
                            + (cmd.reason().isEmpty() ? "" : " (" + cmd.reason() + ")") + ": stopping after this step");
                })
                .onCheckpoint(checkpoint)
                .warnings(progress::println)
                .start();
    }

    /** What run_started adds to the config of a resumed run. */
    private static Map<String, Object> resumedFrom(Checkpoint from) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (from != null) {
            m.put("resumedAtStep", from.step());
            m.put("resumedFromRun", from.run());
        }
        return m;
    }

    /** The Kafka client settings were refused (no bootstrap.servers, a bad property). */
    public static final class BadKafkaSettings extends IllegalArgumentException {
        BadKafkaSettings(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Configures a {@link TrainingSession}. */
    public static final class Builder {
        private final TrainConfig cfg;
        private final String run;
        private Checkpoint from;
        private Integer threads;
        private Path checkpointDir;
        private long checkpointEvery = 1000;
        private int checkpointKeep = 3;
        private Properties kafka;
        private boolean followControl = true;
        private JsonlStepWriter metrics;
        private Progress progress;
        private final Map<String, Object> extraConfig = new LinkedHashMap<>();

        private Builder(TrainConfig cfg, String run) {
            this.cfg = Objects.requireNonNull(cfg, "cfg");
            this.run = Objects.requireNonNull(run, "run");
        }

        /** Continue from this checkpoint (its run and config must be this session's). */
        public Builder resumeFrom(Checkpoint checkpoint) {
            this.from = checkpoint;
            return this;
        }

        /** Trainer threads; null for the trainer's default (or the checkpoint's count when resuming). */
        public Builder threads(Integer n) {
            this.threads = n;
            return this;
        }

        /** Write checkpoints into {@code dir} every {@code every} steps (0: only at the end), keeping {@code keep}. */
        public Builder checkpoints(Path dir, long every, int keep) {
            this.checkpointDir = dir;
            this.checkpointEvery = every;
            this.checkpointKeep = keep;
            return this;
        }

        /** Publish to Kafka with these client properties; null (the default) publishes nothing. */
        public Builder kafka(Properties props) {
            this.kafka = props;
            return this;
        }

        /** Follow grokwatch.control for STOP and CHECKPOINT (default true when publishing to Kafka). */
        public Builder followControl(boolean follow) {
            this.followControl = follow;
            return this;
        }

        /** Also write every step record here; the session closes it. */
        public Builder metrics(JsonlStepWriter writer) {
            this.metrics = writer;
            return this;
        }

        /** Where the progress line and warnings go. */
        public Builder progress(Progress p) {
            this.progress = p;
            return this;
        }

        /** Extra keys for run_started's config (a sweep's id and grid point). */
        public Builder extraConfig(Map<String, Object> extra) {
            this.extraConfig.putAll(extra);
            return this;
        }

        /** Builds the trainer and restores the checkpoint; IllegalArgumentException names what is wrong. */
        public TrainingSession open() {
            Objects.requireNonNull(progress, "progress");
            Integer n = threads != null ? threads : from != null && from.threads() > 0 ? from.threads() : null;
            RunListener probe = new RunListener(progress);
            Trainer trainer = n != null ? new Trainer(cfg, probe, n) : new Trainer(cfg, probe);
            if (from != null) {
                try {
                    TrainerState.restore(trainer, from);
                } catch (CheckpointMismatchException e) {
                    throw new IllegalArgumentException("checkpoint " + from.run() + ": " + e.getMessage(), e);
                }
            }
            Checkpointer checkpointer = checkpointDir == null
                    ? null
                    : Checkpointer.builder(checkpointDir)
                            .run(run)
                            .every(checkpointEvery)
                            .keep(checkpointKeep)
                            .messages(progress::println)
                            .build();
            if (checkpointer != null) trainer.stepHook(checkpointer);
            EventPublisher kafkaOut = NoKafka.INSTANCE;
            if (kafka != null) {
                try {
                    kafkaOut = RunPublisher.builder()
                            .kafkaProperties(kafka)
                            .warnings(progress::println)
                            .start();
                } catch (IllegalArgumentException e) {
                    throw new BadKafkaSettings(e.getMessage(), e);
                }
            }
            return new TrainingSession(this, trainer, checkpointer, probe, kafkaOut);
        }
    }

    private TrainingSession(
            Builder b, Trainer trainer, Checkpointer checkpointer, RunListener listener, EventPublisher kafkaOut) {
        this.b = b;
        this.kafkaOut = kafkaOut;
        this.trainer = trainer;
        this.listener = listener;
        this.checkpointer = checkpointer;
    }
}
