package io.grokwatch.trainer.publish;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.RunFinished;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Turns a {@link io.grokwatch.trainer.train.Trainer}'s callbacks into wire records for one run
 * and hands them to publishers (Kafka, a .jsonl file, or both).
 *
 * <pre>{@code
 * out.publish(runStarted);                                  // the caller publishes run_started
 * var listener = new PublishingListener(runId, "add", 53, List.of(kafka, jsonl), System.err::println);
 * control = ControlListener.builder()...onStop(cmd -> { listener.stopRequestedBy(cmd); trainer.stopRequested().set(true); })
 * Outcome o = new Trainer(cfg, listener).run();               // steps, snapshots, run_finished
 * }</pre>
 *
 * <p>Runs on the training thread and never throws: a record the contract rejects (e.g. an
 * accuracy outside [0,1]) is skipped and reported once on the warning sink. It does not close
 * the publishers: the caller does, to report their stats.
 */
public final class PublishingListener implements StepListener {
    private final String run;
    private final String task;
    private final int modulus;
    private final List<EventPublisher> publishers;
    private final Consumer<String> warnings;
    private volatile ControlCommand stopCommand;
    private boolean rejectWarned; // training thread only

    /**
     * @param task task id carried by embedding snapshots (e.g. {@code add})
     * @param modulus p of the task's Z_p (row i of a snapshot is residue i), 0 if none
     */
    public PublishingListener(
            String run, String task, int modulus, List<EventPublisher> publishers, Consumer<String> warnings) {
        this.run = Objects.requireNonNull(run, "run");
        this.task = Objects.requireNonNull(task, "task");
        if (modulus < 0) throw new IllegalArgumentException("modulus must be >= 0, got " + modulus);
        this.modulus = modulus;
        this.publishers = List.copyOf(publishers);
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /** Remembers the command that stopped the run, so run_finished carries its id and reason. */
    public void stopRequestedBy(ControlCommand command) {
        this.stopCommand = command;
    }

    @Override
    public void onStep(StepMetrics m) {
        emit(() -> Records.step(run, m.step())
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

    @Override
    public void onSnapshot(long step, float[][] embedding) {
        emit(() -> Records.snapshot(run, step, System.currentTimeMillis(), task, modulus, embedding));
    }

    @Override
    public void onFinish(Outcome outcome) {
        emit(() -> finished(outcome));
    }

    /** The run_finished record of an outcome: GROKKED is a COMPLETED run whose reason says so. */
    RunFinished finished(Outcome o) {
        RunFinished.Status status = switch (o.status()) {
            case COMPLETED, GROKKED -> RunFinished.Status.COMPLETED;
            case STOPPED -> RunFinished.Status.STOPPED;
            case FAILED -> RunFinished.Status.FAILED;
        };
        String reason = o.reason() == null ? "" : o.reason();
        ControlCommand cmd = stopCommand;
        if (o.status() == Outcome.Status.STOPPED && cmd != null) {
            reason = "stop command " + cmd.id() + (cmd.reason().isEmpty() ? "" : ": " + cmd.reason());
        } else if (o.status() == Outcome.Status.GROKKED) {
            reason = "grokked: " + reason;
        }
        return new RunFinished(run, System.currentTimeMillis(), status, reason, Math.max(0, o.lastStep()));
    }

    private void emit(java.util.function.Supplier<Event> build) {
        Event e;
        try {
            e = build.get();
        } catch (IllegalArgumentException | IllegalStateException bad) {
            if (!rejectWarned) {
                rejectWarned = true;
                warn("grokwatch: run " + run + " produced a record the wire contract rejects (" + bad.getMessage()
                        + "); it is skipped and training continues");
            }
            return;
        }
        for (EventPublisher p : publishers) p.publish(e);
    }

    private void warn(String line) {
        try {
            warnings.accept(line);
        } catch (RuntimeException ignored) {
            // the sink must not stop training
        }
    }
}
