package io.grokwatch.trainer.train;

/**
 * What one evaluated step measured, before that step's update: losses and accuracies on the full train
 * and val sets, total weight L2 norm, ‖W−W₀‖/‖W₀‖, raw gradient L2 norm (before filters), the step's lr,
 * and training speed since the previous evaluation.
 */
public record StepMetrics(
        long step,
        double trainLoss,
        double trainAcc,
        double valLoss,
        double valAcc,
        double weightNorm,
        double weightDistance,
        double gradNorm,
        double lr,
        double stepsPerSecond,
        long timeMillis) {}
