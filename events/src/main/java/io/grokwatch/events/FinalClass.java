package io.grokwatch.events;

/** A run's final class after Liu et al. 2022, from t_train and t_val. */
public enum FinalClass {
  /** Both thresholds reached, t_val - t_train below the grokking gap. */
  COMPREHENSION,
  /** Both reached, validation long after train. */
  GROKKING,
  /** Only train reached. */
  MEMORIZATION,
  /** Neither reached. */
  CONFUSION
}
