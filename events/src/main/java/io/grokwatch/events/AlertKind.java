package io.grokwatch.events;

/**
 * Kinds of analyzer alerts on grokwatch.events.
 *
 * <p>Append only: the ordinal is stored in the changelog (as a bit of the fired set, so at most 64); add new
 * constants at the end, never reorder or remove (the analyzer's StoredStateCompatibilityTest holds the order).
 * Events carry the name, so never rename either.
 */
public enum AlertKind {
    VAL_ACC_JUMP,
    MEMORIZED,
    GROKKED,
    COMPREHENDED,
    DIVERGED,
    REGRESSED,
    STALLED,
    /** The analyzer's --auto-stop policy sent the run a STOP; the message is the policy's reason. */
    AUTO_STOPPED
}
