package io.grokwatch.events;

/**
 * One evaluated training step. Losses may be non-finite (a diverging run reports that way);
 * accuracies are in [0,1]. Optional fields are null when the producer did not send them.
 *
 * @param time epoch millis when the step was evaluated, or null
 * @param weightNorm total L2 norm of the parameters
 * @param weightDistance relative distance of the weights from their initialisation
 * @param gradNorm total L2 norm of the gradient
 * @param lr learning rate used for this step
 * @param stepsPerSecond training throughput around this step
 */
public record StepRecord(
        String run,
        long step,
        double trainLoss,
        double trainAcc,
        double valLoss,
        double valAcc,
        Long time,
        Double weightNorm,
        Double weightDistance,
        Double gradNorm,
        Double lr,
        Double stepsPerSecond)
        implements Event {

    public StepRecord {
        Check.run(run);
        Check.nonNegative("step", step);
        Check.accuracy("trainAcc", trainAcc);
        Check.accuracy("valAcc", valAcc);
        if (time != null) Check.nonNegative("time", time);
        // The decoder rejects these when non-finite; a producer must find out when it builds the record.
        Check.finiteOrNull("weightNorm", weightNorm);
        Check.finiteOrNull("weightDistance", weightDistance);
        Check.finiteOrNull("gradNorm", gradNorm);
        Check.finiteOrNull("lr", lr);
        Check.finiteOrNull("stepsPerSecond", stepsPerSecond);
    }

    /** A step with only the required fields. */
    public static StepRecord of(
            String run, long step, double trainLoss, double trainAcc, double valLoss, double valAcc) {
        return new StepRecord(run, step, trainLoss, trainAcc, valLoss, valAcc, null, null, null, null, null, null);
    }

    /** True when either loss is NaN or infinite. */
    public boolean hasNonFiniteLoss() {
        return !Double.isFinite(trainLoss) || !Double.isFinite(valLoss);
    }
}
