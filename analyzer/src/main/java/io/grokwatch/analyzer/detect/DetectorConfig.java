package io.grokwatch.analyzer.detect;

/**
 * Thresholds, smoothing and windows of the {@link RunDetector}; immutable and validated on
 * construction, every error names the field and the value.
 *
 * <pre>{@code
 * DetectorConfig c = DetectorConfig.builder().valThreshold(0.95).grokGapSteps(2000).build();
 * }</pre>
 *
 * <p>Defaults (also the table in {@code analyzer/DETECTOR.md}):
 * <ul>
 *   <li>{@code trainThreshold 0.9}, {@code valThreshold 0.9}: t_train / t_val are the first steps
 *       whose smoothed accuracy reaches these (Liu et al. 2022 use 0.9).
 *   <li>{@code grokGapSteps 1000}: t_val - t_train at or above this is grokking, below it
 *       comprehension (Liu et al. 2022's cut-off).
 *   <li>{@code smoothingWindow 3}: centred running median over this many evaluations (odd; 1 turns
 *       smoothing off). A median of 3 ignores any single spiky evaluation and leaves a monotone
 *       curve untouched, so the reported step of a crossing is the clean curve's step; it costs
 *       {@code (smoothingWindow-1)/2} evaluations of detection latency.
 *   <li>{@code reorderWindow 1}: records held back, keyed by step, before they are committed in
 *       step order; a record at or below the last committed step is dropped (a duplicate or too
 *       late). Adds this many evaluations of wall-clock latency, not of detectedStep.
 *   <li>{@code jumpMinRise 0.1}: VAL_ACC_JUMP when smoothed val accuracy has risen this much
 *       (absolute) above its memorized-plateau level (the plateau's minimum) and is still below
 *       {@code valThreshold}. Falling back below half the rise returns to MEMORIZED and re-arms it.
 *   <li>{@code regressionMargin 0.1}: REGRESSED when smoothed val accuracy falls below
 *       {@code valThreshold - regressionMargin} after GROKKED/COMPREHENDED (hysteresis, so noise
 *       around the threshold does not flap).
 *   <li>{@code divergenceLossCeiling 1e4}, {@code divergenceFactor 100},
 *       {@code divergenceLossFloor 0.1}: DIVERGED on any non-finite loss at once, or when smoothed
 *       train loss exceeds the ceiling or {@code factor * max(runMinimum, floor)}; the floor stops a
 *       run whose loss reached 1e-7 from "diverging" at 1e-5.
 *   <li>{@code stallSteps 20000}, {@code stallAccDelta 0.01}, {@code stallLossRelDelta 0.05}:
 *       STALLED when for {@code stallSteps} steps neither smoothed accuracy rose by
 *       {@code stallAccDelta} nor smoothed train loss fell by {@code stallLossRelDelta} (relative)
 *       over their best values. Longer than the memorized plateaus of the reference runs (up to
 *       ~10k steps), so a grokking run is not reported stalled on its plateau.
 * </ul>
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

  private static final DetectorConfig DEFAULTS = new Builder().build();

  public DetectorConfig {
    inUnitInterval("trainThreshold", trainThreshold);
    inUnitInterval("valThreshold", valThreshold);
    if (grokGapSteps < 0) throw bad("grokGapSteps", grokGapSteps, "must be >= 0");
    if (smoothingWindow < 1 || smoothingWindow % 2 == 0) {
      throw bad("smoothingWindow", smoothingWindow, "must be an odd number >= 1");
    }
    if (reorderWindow < 0) throw bad("reorderWindow", reorderWindow, "must be >= 0");
    if (!(jumpMinRise > 0 && jumpMinRise < 1)) throw bad("jumpMinRise", jumpMinRise, "must be in (0,1)");
    if (!(regressionMargin >= 0 && regressionMargin < valThreshold)) {
      throw bad("regressionMargin", regressionMargin, "must be in [0, valThreshold=" + valThreshold + ")");
    }
    if (!(divergenceLossCeiling > 0) || Double.isNaN(divergenceLossCeiling)) {
      throw bad("divergenceLossCeiling", divergenceLossCeiling, "must be > 0");
    }
    if (!(divergenceFactor > 1) || Double.isNaN(divergenceFactor)) throw bad("divergenceFactor", divergenceFactor, "must be > 1");
    if (!(divergenceLossFloor >= 0) || !Double.isFinite(divergenceLossFloor)) {
      throw bad("divergenceLossFloor", divergenceLossFloor, "must be finite and >= 0");
    }
    if (stallSteps < 1) throw bad("stallSteps", stallSteps, "must be >= 1");
    if (!(stallAccDelta > 0 && stallAccDelta < 1)) throw bad("stallAccDelta", stallAccDelta, "must be in (0,1)");
    if (!(stallLossRelDelta > 0 && stallLossRelDelta < 1)) {
      throw bad("stallLossRelDelta", stallLossRelDelta, "must be in (0,1)");
    }
  }

  /** The documented defaults. */
  public static DetectorConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Evaluations each side of the centre of the smoothing median. */
  int halfWindow() {
    return smoothingWindow / 2;
  }

  private static void inUnitInterval(String field, double v) {
    if (!(v > 0 && v <= 1)) throw bad(field, v, "must be in (0,1]");
  }

  private static IllegalArgumentException bad(String field, Object value, String rule) {
    return new IllegalArgumentException("detector config " + field + "=" + value + ": " + rule);
  }

  /** Builder for {@link DetectorConfig}; starts from the defaults. */
  public static final class Builder {
    private double trainThreshold = 0.9;
    private double valThreshold = 0.9;
    private long grokGapSteps = 1000;
    private int smoothingWindow = 3;
    private int reorderWindow = 1;
    private double jumpMinRise = 0.1;
    private double regressionMargin = 0.1;
    private double divergenceLossCeiling = 1e4;
    private double divergenceFactor = 100;
    private double divergenceLossFloor = 0.1;
    private long stallSteps = 20_000;
    private double stallAccDelta = 0.01;
    private double stallLossRelDelta = 0.05;

    private Builder() {}

    private Builder(DetectorConfig c) {
      trainThreshold = c.trainThreshold;
      valThreshold = c.valThreshold;
      grokGapSteps = c.grokGapSteps;
      smoothingWindow = c.smoothingWindow;
      reorderWindow = c.reorderWindow;
      jumpMinRise = c.jumpMinRise;
      regressionMargin = c.regressionMargin;
      divergenceLossCeiling = c.divergenceLossCeiling;
      divergenceFactor = c.divergenceFactor;
      divergenceLossFloor = c.divergenceLossFloor;
      stallSteps = c.stallSteps;
      stallAccDelta = c.stallAccDelta;
      stallLossRelDelta = c.stallLossRelDelta;
    }

    public Builder trainThreshold(double v) {
      trainThreshold = v;
      return this;
    }

    public Builder valThreshold(double v) {
      valThreshold = v;
      return this;
    }

    public Builder grokGapSteps(long v) {
      grokGapSteps = v;
      return this;
    }

    public Builder smoothingWindow(int v) {
      smoothingWindow = v;
      return this;
    }

    public Builder reorderWindow(int v) {
      reorderWindow = v;
      return this;
    }

    public Builder jumpMinRise(double v) {
      jumpMinRise = v;
      return this;
    }

    public Builder regressionMargin(double v) {
      regressionMargin = v;
      return this;
    }

    public Builder divergenceLossCeiling(double v) {
      divergenceLossCeiling = v;
      return this;
    }

    public Builder divergenceFactor(double v) {
      divergenceFactor = v;
      return this;
    }

    public Builder divergenceLossFloor(double v) {
      divergenceLossFloor = v;
      return this;
    }

    public Builder stallSteps(long v) {
      stallSteps = v;
      return this;
    }

    public Builder stallAccDelta(double v) {
      stallAccDelta = v;
      return this;
    }

    public Builder stallLossRelDelta(double v) {
      stallLossRelDelta = v;
      return this;
    }

    public DetectorConfig build() {
      return new DetectorConfig(
          trainThreshold, valThreshold, grokGapSteps, smoothingWindow, reorderWindow, jumpMinRise,
          regressionMargin, divergenceLossCeiling, divergenceFactor, divergenceLossFloor,
          stallSteps, stallAccDelta, stallLossRelDelta);
    }
  }
}
