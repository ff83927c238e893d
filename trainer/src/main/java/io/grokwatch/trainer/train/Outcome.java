package io.grokwatch.trainer.train;

/**
 * How a run ended. trainReached/valReached are the first evaluated steps whose train / val accuracy reach
 * trainThreshold / valThreshold (Liu et al.'s t_train and t_val), or -1 if never reached.
 */
public record Outcome(
        Status status, String reason, long lastStep, long trainReached, long valReached, StepMetrics last) {
    /** COMPLETED: ran all steps; GROKKED: stopped after val reached the stop accuracy; STOPPED: asked to; FAILED: diverged. */
    public enum Status {
        COMPLETED,
        GROKKED,
        STOPPED,
        FAILED
    }
}
