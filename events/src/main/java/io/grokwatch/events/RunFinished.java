package io.grokwatch.events;

/** A run has ended, with how and why. */
public record RunFinished(String run, long time, Status status, String reason, long lastStep) implements Event {

    /** How a run ended. */
    public enum Status {
        /** Reached its step budget or its stop-after-grok point. */
        COMPLETED,
        /** Stopped by a control command or the user. */
        STOPPED,
        /** Ended by an error, e.g. a non-finite loss. */
        FAILED
    }

    public RunFinished {
        Check.run(run);
        Check.nonNegative("time", time);
        Check.notNull("status", status);
        reason = reason == null ? "" : reason;
        Check.nonNegative("lastStep", lastStep);
    }
}
