package io.grokwatch.analyzer.policy;

/**
 * A policy's decision to stop a run.
 *
 * @param step the evaluation step at which the run is stopped
 * @param reason one line for the control command, naming the policy
 * @param restoreStep the step a restore-best would roll the weights back to (Keras {@code restore_best_weights}),
 *     or null when the policy has no notion of a best step
 */
public record Stop(long step, String reason, Long restoreStep) {
    public Stop {
        if (reason == null || reason.isBlank()) throw new IllegalArgumentException("a stop needs a reason");
    }
}
