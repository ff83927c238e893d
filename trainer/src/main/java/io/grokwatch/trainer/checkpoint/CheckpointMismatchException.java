package io.grokwatch.trainer.checkpoint;

/** A readable checkpoint that does not fit the run it should resume: a different config, model or optimizer. */
public final class CheckpointMismatchException extends IllegalArgumentException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
