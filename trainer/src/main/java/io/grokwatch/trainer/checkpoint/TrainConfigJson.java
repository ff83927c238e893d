package io.grokwatch.trainer.checkpoint;

import io.grokwatch.trainer.train.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link TrainConfig} as a JSON-ready map (enums by name, in component order) and back; the form written into
 * run_started and into every checkpoint.
 *
 * <pre>{@code Map<String, Object> m = TrainConfigJson.toMap(cfg); TrainConfig same = TrainConfigJson.fromMap(m);}</pre>
 *
 * <p>Driven by {@link TrainConfig#TABLE}, so a field added to TrainConfig is carried without a change here; a
 * field missing from an older map takes its default.
 */
public final class TrainConfigJson {
    /**
     * Fields a resumed run may change: the step budget, how often it evaluates and snapshots, when it stops after
     * grokking, and the label. None of them changes what the parameters become; every other field does.
     */
    public static final Set<String> MAY_CHANGE_ON_RESUME =
            Set.of("name", "steps", "evalEvery", "snapshotEvery", "stopAfterGrokSteps", "stopAccuracy");

    private TrainConfigJson() {}

    /** Every field by its record component name: numbers, booleans, strings, enum names, lists of numbers. */
    public static Map<String, Object> toMap(TrainConfig cfg) {
        return TrainConfig.TABLE.toJson(cfg);
    }

    /**
     * The config a map describes; fields it lacks take {@link TrainConfig#builder()}'s defaults. Reads the fields
     * of earlier versions too: {@code stopAfterGrok} (a boolean, with the command's {@code stopAfterGrokSteps}
     * beside it in run_started) and a {@code valThreshold} that set t_train's threshold as well.
     *
     * @throws IllegalArgumentException naming the field when a value has the wrong type, an unknown name is
     *     present, or the config fails TrainConfig's own validation
     */
    public static TrainConfig fromMap(Map<String, ?> map) {
        Map<String, Object> m = new LinkedHashMap<>(map);
        Object oldStop = m.remove("stopAfterGrok");
        if (oldStop instanceof Boolean stop && !m.containsKey("stopAfterGrokSteps")) {
            m.put("stopAfterGrokSteps", stop ? 0L : TrainConfig.NEVER);
        } else if (oldStop != null && !(oldStop instanceof Boolean)) {
            throw new IllegalArgumentException("config field 'stopAfterGrok' must be a boolean, got " + oldStop);
        }
        if (m.containsKey("valThreshold") && !m.containsKey("trainThreshold")) {
            m.put("trainThreshold", m.get("valThreshold"));
        }
        return TrainConfig.TABLE.fromJson(m);
    }

    /**
     * Fields other than {@code ignore} whose values differ, each as {@code "lr: checkpoint 0.03, now 0.01"}, in
     * component order; empty when the two configs agree.
     */
    public static List<String> differences(TrainConfig checkpoint, TrainConfig now, Set<String> ignore) {
        return TrainConfig.TABLE.differences(checkpoint, now, ignore, "checkpoint", "now");
    }
}
