package io.grokwatch.events;

/**
 * A command to the trainer of one run, on grokwatch.control.
 *
 * @param id unique id of this command, so a trainer acts on it once
 * @param reason why it was sent (e.g. "auto-stop: GROKKED+500")
 */
public record ControlCommand(String run, String id, Command command, long time, String reason) implements Event {

    /** What the trainer should do. */
    public enum Command {
        /** Finish gracefully; run_finished says STOPPED. */
        STOP,
        /** Write a checkpoint now. */
        CHECKPOINT,
        /** Cancel a sweep: {@code run} holds the sweep id; its runs stop and its queued jobs are dropped. */
        CANCEL
    }

    public ControlCommand {
        Check.run(run);
        Check.nonEmpty("id", id);
        Check.notNull("command", command);
        Check.nonNegative("time", time);
        reason = reason == null ? "" : reason;
    }
}
