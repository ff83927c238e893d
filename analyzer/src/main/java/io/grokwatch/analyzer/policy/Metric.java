package io.grokwatch.analyzer.policy;

import io.grokwatch.events.StepRecord;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A step-record metric a policy monitors, with its direction: losses are minimized, accuracies maximized. */
public enum Metric {
    VAL_LOSS(false),
    VAL_ACC(true),
    TRAIN_LOSS(false),
    TRAIN_ACC(true);

    private final boolean maximize;

    Metric(boolean maximize) {
        this.maximize = maximize;
    }

    /** The name in a spec: {@code val_loss}, {@code val_acc}, {@code train_loss}, {@code train_acc}. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for accuracies (Keras mode "max"), false for losses (mode "min"). */
    public boolean maximize() {
        return maximize;
    }

    /**
     * A record whose value of this metric is {@code value}, the other three at 0: what a policy that reads only this
     * metric needs to be fed again from a stored history.
     */
    public StepRecord record(String run, long step, double value) {
        return switch (this) {
            case VAL_LOSS -> StepRecord.of(run, step, 0, 0, value, 0);
            case VAL_ACC -> StepRecord.of(run, step, 0, 0, 0, value);
            case TRAIN_LOSS -> StepRecord.of(run, step, value, 0, 0, 0);
            case TRAIN_ACC -> StepRecord.of(run, step, 0, value, 0, 0);
        };
    }

    public double of(StepRecord s) {
        return switch (this) {
            case VAL_LOSS -> s.valLoss();
            case VAL_ACC -> s.valAcc();
            case TRAIN_LOSS -> s.trainLoss();
            case TRAIN_ACC -> s.trainAcc();
        };
    }

    /**
     * Keras's improvement test: {@code value} beats {@code reference} by more than {@code minDelta} in this
     * metric's direction. NaN never improves, so a diverging run's losses count as no progress.
     */
    public boolean improves(double value, double reference, double minDelta) {
        return maximize ? value - minDelta > reference : value + minDelta < reference;
    }

    /** The worst possible value, what "best so far" starts from. */
    public double worst() {
        return maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** The metric named in a spec; errors list the known names. */
    static Metric parse(String spec, String name) {
        for (Metric m : values()) if (m.specName().equals(name)) return m;
        throw new IllegalArgumentException("policy '" + spec + "': METRIC='" + name + "' is not one of "
                + Arrays.stream(values()).map(Metric::specName).collect(Collectors.joining(", ")));
    }
}
