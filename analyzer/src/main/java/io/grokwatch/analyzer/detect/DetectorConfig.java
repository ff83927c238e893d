package io.grokwatch.analyzer.detect;

import io.grokwatch.events.config.Setting;
import io.grokwatch.events.config.SettingTable;
import java.util.Map;

/**
 * Thresholds, smoothing and windows of the {@link RunDetector}; immutable, and validated by the
 * builder ({@link #TABLE}'s rules), every error naming the field and the value.
 *
 * <pre>{@code
 * DetectorConfig c = DetectorConfig.builder().valThreshold(0.95).grokGapSteps(2000).build();
 * }</pre>
 *
 * <p>Each setting's default, rule, flag and meaning are defined once, in {@link #TABLE}.
 * {@code analyzer/DETECTOR.md} explains the rules that use them; its settings table is made from
 * {@link #TABLE} ({@link DetectorConfigTable}). The canonical constructor checks only the rule that
 * spans two fields, so build through the builder or {@link SettingTable#create}.
 */
public record DetectorConfig(
        double trainThreshold,
        double valThreshold,
        long grokGapSteps,
        int smoothingWindow,
        int reorderWindow,
        double jumpMinRise,
        double regressionMargin,
        double divergenceLossCeiling,
        double divergenceFactor,
        double divergenceLossFloor,
        long stallSteps,
        double stallAccDelta,
        double stallLossRelDelta) {

    /** Every setting, in component order: the builder's defaults, the checks, the CLI flags and the docs. */
    public static final SettingTable<DetectorConfig> TABLE = SettingTable.builder(DetectorConfig.class)
            .errors((name, value, rule) -> "detector config " + name + "=" + value + ": " + rule)
            .define(Setting.ofDouble("trainThreshold", 0.9)
                    .check(v -> v > 0 && v <= 1, "must be in (0,1]")
                    .label("ACC")
                    .doc("t_train is the first step whose smoothed train accuracy reaches this (Liu et al. 2022: 0.9)"))
            .define(
                    Setting.ofDouble("valThreshold", 0.9)
                            .check(v -> v > 0 && v <= 1, "must be in (0,1]")
                            .label("ACC")
                            .doc(
                                    "t_val is the first step whose smoothed val accuracy reaches this; GROKKED/COMPREHENDED there"))
            .define(
                    Setting.ofLong("grokGapSteps", 1000)
                            .check(v -> v >= 0, "must be >= 0")
                            .label("STEPS")
                            .flags("--grok-gap", "--grok-gap-steps")
                            .doc(
                                    "t_val - t_train at or above this is grokking (phase GROKKED), below it comprehension (Liu et al. 2022's cut-off)"))
            .define(
                    Setting.ofInt("smoothingWindow", 3)
                            .check(v -> v >= 1 && v % 2 == 1, "must be an odd number >= 1")
                            .label("N")
                            .doc(
                                    "centred running median over this many evaluations (odd; 1 = off): one spiky evaluation never flips a phase; costs (w-1)/2 evaluations of latency"))
            .define(
                    Setting.ofInt("reorderWindow", 1)
                            .check(v -> v >= 0, "must be >= 0")
                            .label("N")
                            .doc(
                                    "records held back, keyed by step, before committing in step order; records at or below the last committed step are dropped (duplicates, too late)"))
            .define(
                    Setting.ofDouble("jumpMinRise", 0.1)
                            .check(v -> v > 0 && v < 1, "must be in (0,1)")
                            .label("ACC")
                            .doc(
                                    "VAL_ACC_JUMP / GENERALIZING when smoothed val accuracy is this far (absolute) above its memorized-plateau minimum and still below valThreshold; back under half of it returns to MEMORIZED"))
            // below valThreshold too: the record's constructor checks that, it spans two fields
            .define(
                    Setting.ofDouble("regressionMargin", 0.1)
                            .check(v -> v >= 0, "must be >= 0")
                            .label("ACC")
                            .doc(
                                    "REGRESSED when smoothed val accuracy falls below valThreshold - this after GROKKED/COMPREHENDED"))
            .define(Setting.ofDouble("divergenceLossCeiling", 1e4)
                    .check(v -> v > 0, "must be > 0")
                    .label("LOSS")
                    .doc("DIVERGED when smoothed train loss exceeds this (non-finite losses diverge at once)"))
            .define(Setting.ofDouble("divergenceFactor", 100)
                    .check(v -> v > 1, "must be > 1")
                    .label("X")
                    .doc("DIVERGED when smoothed train loss exceeds this times max(run minimum, divergenceLossFloor)"))
            .define(
                    Setting.ofDouble("divergenceLossFloor", 0.1)
                            .check(v -> v >= 0 && Double.isFinite(v), "must be finite and >= 0")
                            .label("LOSS")
                            .doc(
                                    "floor under the run minimum in the factor rule, so a loss of 1e-7 does not make 1e-5 an explosion"))
            .define(
                    Setting.ofLong("stallSteps", 20_000)
                            .check(v -> v >= 1, "must be >= 1")
                            .label("STEPS")
                            .doc(
                                    "STALLED after this many steps without progress (not after GROKKED/COMPREHENDED); longer than the reference runs' memorized plateaus (up to ~10k steps)"))
            .define(Setting.ofDouble("stallAccDelta", 0.01)
                    .check(v -> v > 0 && v < 1, "must be in (0,1)")
                    .label("ACC")
                    .doc("progress: a smoothed accuracy this far (absolute) above its best at the last progress"))
            .define(Setting.ofDouble("stallLossRelDelta", 0.05)
                    .check(v -> v > 0 && v < 1, "must be in (0,1)")
                    .label("FRACTION")
                    .doc("progress: smoothed train loss this fraction below its best at the last progress"))
            .build();

    // After TABLE: static fields initialise in order, and the defaults are made from it.
    private static final DetectorConfig DEFAULTS = TABLE.create(TABLE.defaults());

    /** Single-field rules are the table's ({@link SettingTable#create}); only the rule spanning two fields is here. */
    public DetectorConfig {
        if (!(regressionMargin < valThreshold)) {
            throw new IllegalArgumentException("detector config regressionMargin=" + regressionMargin
                    + ": must be in [0, valThreshold=" + valThreshold + ")");
        }
    }

    /** The documented defaults. */
    public static DetectorConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder(TABLE.defaults());
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        return new Builder(TABLE.values(this));
    }

    /** Evaluations each side of the centre of the smoothing median. */
    int halfWindow() {
        return smoothingWindow / 2;
    }

    /** Builder for {@link DetectorConfig}; starts from the defaults, {@link #build} checks every value. */
    public static final class Builder {
        private final Map<String, Object> values;

        private Builder(Map<String, Object> values) {
            this.values = values;
        }

        /** Sets a setting by its {@link #TABLE} name, e.g. from parsed flags; the value must be of its type. */
        public Builder set(String name, Object value) {
            TABLE.get(name); // an unknown name fails here, not silently at build
            values.put(name, value);
            return this;
        }

        public Builder trainThreshold(double v) {
            return set("trainThreshold", v);
        }

        public Builder valThreshold(double v) {
            return set("valThreshold", v);
        }

        public Builder grokGapSteps(long v) {
            return set("grokGapSteps", v);
        }

        public Builder smoothingWindow(int v) {
            return set("smoothingWindow", v);
        }

        public Builder reorderWindow(int v) {
            return set("reorderWindow", v);
        }

        public Builder jumpMinRise(double v) {
            return set("jumpMinRise", v);
        }

        public Builder regressionMargin(double v) {
            return set("regressionMargin", v);
        }

        public Builder divergenceLossCeiling(double v) {
            return set("divergenceLossCeiling", v);
        }

        public Builder divergenceFactor(double v) {
            return set("divergenceFactor", v);
        }

        public Builder divergenceLossFloor(double v) {
            return set("divergenceLossFloor", v);
        }

        public Builder stallSteps(long v) {
            return set("stallSteps", v);
        }

        public Builder stallAccDelta(double v) {
            return set("stallAccDelta", v);
        }

        public Builder stallLossRelDelta(double v) {
            return set("stallLossRelDelta", v);
        }

        public DetectorConfig build() {
            return TABLE.create(values);
        }
    }
}
