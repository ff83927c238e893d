package io.grokwatch.events;

/**
 * A change of a run's live phase.
 *
 * @param step the step at which the transition happened (the first evaluation in the new phase)
 * @param detectedStep the step of the record whose arrival confirmed it
 * @param detectedTime epoch millis at which the analyzer confirmed it
 */
public record Transition(String run, Phase from, Phase to, long step, long detectedStep, long detectedTime)
        implements Event {

    public Transition {
        Check.run(run);
        Check.notNull("from", from);
        Check.notNull("to", to);
        Check.nonNegative("step", step);
        Check.nonNegative("detectedStep", detectedStep);
        Check.nonNegative("detectedTime", detectedTime);
    }
}
