package io.grokwatch.events;

/**
 * Live phase of one run; the transitions between phases are the table in analyzer/DETECTOR.md ("Classify").
 *
 * <p>Append only: the ordinal is stored in the changelog; add new constants at the end, never reorder or remove
 * (the analyzer's StoredStateCompatibilityTest holds the order). Events carry the name, so never rename either.
 */
public enum Phase {
    /** Neither accuracy has reached its threshold. */
    FITTING,
    /** Train accuracy reached its threshold, validation has not. */
    MEMORIZED,
    /** Validation accuracy rising after memorization: the jump has started. */
    GENERALIZING,
    /** Validation reached its threshold after a memorized plateau. */
    GROKKED,
    /** Validation reached its threshold without a memorized plateau. */
    COMPREHENDED,
    /** A loss became non-finite or exploded. Terminal. */
    DIVERGED,
    /** Validation fell back after GROKKED or COMPREHENDED. */
    REGRESSED
}
