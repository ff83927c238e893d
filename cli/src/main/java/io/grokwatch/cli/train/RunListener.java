package io.grokwatch.cli.train;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.trainer.publish.PublishingListener;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;

/**
 * Feeds each step of a {@code grokwatch train} run to the publishers and the progress line, and says what a
 * stop was: a STOP command (with its id and reason) or Ctrl-C. The trainer's own rules (step budget, divergence,
 * stop after grokking) need no help here.
 */
final class RunListener implements StepListener {
    private final Progress progress;
    volatile PublishingListener publishing;
    volatile boolean interrupted;
    volatile ControlCommand stopCommand;
    volatile boolean suppressFinish; // handed over to another worker: the run is not over
    volatile boolean finishSuppressed; // the run ended while handed over: no run_finished went out
    volatile Outcome outcome;
    private volatile StepMetrics last;

    RunListener(Progress progress) {
        this.progress = progress;
    }

    /** The trainer threw: report the run as FAILED with the error (the Trainer itself only reports divergence). */
    void failed(RuntimeException e) {
        if (outcome != null || publishing == null) return;
        StepMetrics m = last;
        onFinish(new Outcome(Outcome.Status.FAILED, "trainer error: " + e, m == null ? 0 : m.step(), -1, -1, m));
    }

    @Override
    public void onStep(StepMetrics m) {
        last = m;
        publishing.onStep(m);
        progress.step(m);
    }

    @Override
    public void onSnapshot(long step, float[][] embedding) {
        publishing.onSnapshot(step, embedding);
    }

    @Override
    public void onFinish(Outcome o) {
        Outcome what = o;
        ControlCommand cmd = stopCommand;
        if (o.status() == Outcome.Status.STOPPED && cmd != null) {
            what = withReason(
                    o,
                    "stop command " + cmd.id() + (cmd.reason().isEmpty() ? "" : " (" + cmd.reason() + ")") + " at step "
                            + o.lastStep());
        } else if (o.status() == Outcome.Status.STOPPED && interrupted) {
            what = withReason(o, "interrupted (Ctrl-C) at step " + o.lastStep());
        }
        outcome = what;
        if (suppressFinish) {
            finishSuppressed = true;
        } else {
            publishing.onFinish(what);
        }
    }

    private static Outcome withReason(Outcome o, String reason) {
        return new Outcome(o.status(), reason, o.lastStep(), o.trainReached(), o.valReached(), o.last());
    }
}
