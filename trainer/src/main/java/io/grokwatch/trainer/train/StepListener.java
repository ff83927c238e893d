package io.grokwatch.trainer.train;

/** Receives a run's results as they happen; called on the training thread, so keep it quick. */
public interface StepListener {
    /** Every evaluated step, and the step whose loss went non-finite. */
    default void onStep(StepMetrics m) {}

    /** Token embedding rows × cols, a copy the listener may keep. */
    default void onSnapshot(long step, float[][] embedding) {}

    default void onFinish(Outcome outcome) {}

    StepListener NONE = new StepListener() {};
}
