package io.grokwatch.analyzer.detect;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The documentation of every {@link DetectorConfig} setting in one place: the table in
 * {@code analyzer/DETECTOR.md} is {@link #markdown()} (a test checks they agree).
 *
 * <pre>{@code
 * java -cp grokwatch-analyzer.jar io.grokwatch.analyzer.detect.DetectorConfigTable > table.md
 * }</pre>
 */
public final class DetectorConfigTable {
  private DetectorConfigTable() {}

  /** Field name to what it means; in record-component order. */
  static final Map<String, String> DOCS = new LinkedHashMap<>();

  static {
    DOCS.put("trainThreshold", "t_train is the first step whose smoothed train accuracy reaches this (Liu et al. 2022: 0.9)");
    DOCS.put("valThreshold", "t_val is the first step whose smoothed val accuracy reaches this; GROKKED/COMPREHENDED there");
    DOCS.put("grokGapSteps", "t_val - t_train at or above this is grokking (phase GROKKED), below it comprehension");
    DOCS.put("smoothingWindow", "centred running median over this many evaluations (odd; 1 = off): one spiky evaluation never flips a phase; costs (w-1)/2 evaluations of latency");
    DOCS.put("reorderWindow", "records held back, keyed by step, before committing in step order; records at or below the last committed step are dropped (duplicates, too late)");
    DOCS.put("jumpMinRise", "VAL_ACC_JUMP / GENERALIZING when smoothed val accuracy is this far (absolute) above its memorized-plateau minimum and still below valThreshold; back under half of it returns to MEMORIZED");
    DOCS.put("regressionMargin", "REGRESSED when smoothed val accuracy falls below valThreshold - this after GROKKED/COMPREHENDED");
    DOCS.put("divergenceLossCeiling", "DIVERGED when smoothed train loss exceeds this (non-finite losses diverge at once)");
    DOCS.put("divergenceFactor", "DIVERGED when smoothed train loss exceeds this times max(run minimum, divergenceLossFloor)");
    DOCS.put("divergenceLossFloor", "floor under the run minimum in the factor rule, so a loss of 1e-7 does not make 1e-5 an explosion");
    DOCS.put("stallSteps", "STALLED after this many steps without progress (not after GROKKED/COMPREHENDED); longer than the reference runs' plateaus");
    DOCS.put("stallAccDelta", "progress: a smoothed accuracy this far (absolute) above its best at the last progress");
    DOCS.put("stallLossRelDelta", "progress: smoothed train loss this fraction below its best at the last progress");
  }

  /** The settings table in Markdown: setting, default, meaning. */
  public static String markdown() {
    DetectorConfig c = DetectorConfig.defaults();
    StringBuilder sb = new StringBuilder("| setting | default | meaning |\n|---|---|---|\n");
    for (var component : DetectorConfig.class.getRecordComponents()) {
      String doc = DOCS.get(component.getName());
      if (doc == null) throw new IllegalStateException("DetectorConfigTable has no doc for " + component.getName());
      Object value;
      try {
        value = component.getAccessor().invoke(c);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      sb.append("| `").append(component.getName()).append("` | `").append(format(value)).append("` | ").append(doc).append(" |\n");
    }
    return sb.toString();
  }

  /** 0.9, 1000, 10000.0 -> 1e4: numbers as a person writes them. */
  static String format(Object value) {
    if (value instanceof Double d) {
      if (d == Math.rint(d) && Math.abs(d) >= 1e4) return String.format(java.util.Locale.ROOT, "%.0e", d).replace("e+0", "e").replace("e+", "e");
      if (d == Math.rint(d)) return Long.toString(d.longValue());
      return Double.toString(d);
    }
    return String.valueOf(value);
  }

  public static void main(String[] args) {
    System.out.print(markdown());
  }
}
