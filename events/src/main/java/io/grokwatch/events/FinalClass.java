package io.grokwatch.events;

/**
 * A run's final class after Liu et al. 2022, from t_train and t_val.
 *
 * <p>Not stored in the state changelog (recomputed from t_train and t_val), but its names are in
 * {@code classify --json} and reports: do not rename.
 */
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
