package io.grokwatch.events;

/**
 * An analyzer alert about one run.
 *
 * @param step the step the alert is about
 * @param detectedStep the step of the record that raised it
 * @param detectedTime epoch millis at which it was raised
 * @param valAcc validation accuracy at {@code detectedStep}
 * @param message a one-line human description
 */
public record Alert(
        String run, AlertKind kind, long step, long detectedStep, long detectedTime, double valAcc, String message)
        implements Event {

    public Alert {
        Check.run(run);
        Check.notNull("kind", kind);
        Check.nonNegative("step", step);
        Check.nonNegative("detectedStep", detectedStep);
        Check.nonNegative("detectedTime", detectedTime);
        Check.accuracy("valAcc", valAcc);
        message = message == null ? "" : message;
    }
}
