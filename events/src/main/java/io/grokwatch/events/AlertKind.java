package io.grokwatch.events;

/** Kinds of analyzer alerts on grokwatch.events. */
public enum AlertKind {
  VAL_ACC_JUMP, MEMORIZED, GROKKED, COMPREHENDED, DIVERGED, REGRESSED, STALLED
}
