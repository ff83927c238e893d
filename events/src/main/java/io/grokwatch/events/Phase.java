package io.grokwatch.events;

/** Live phase of one run, as defined in DESIGN.md "Phases". */
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
