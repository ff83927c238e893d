package io.grokwatch.events;

import java.util.Map;
import java.util.Objects;

/**
 * A run has started. Carries the full configuration and the provenance needed to reproduce it.
 *
 * @param task task name, e.g. "x+y mod 53" style id {@code add_mod}
 * @param model model kind, e.g. {@code mlp} or {@code transformer}
 * @param config every configuration value of the run (JSON object)
 */
public record RunStarted(
        String run, long time, String task, String model, Map<String, Object> config, Provenance provenance)
        implements Event {

    public RunStarted {
        Check.run(run);
        Check.nonNegative("time", time);
        Check.nonEmpty("task", task);
        Check.nonEmpty("model", model);
        // A null value means "not set", as in the decoder; Map.copyOf would throw a bare NPE on it.
        Map<String, Object> set = new java.util.LinkedHashMap<>(Objects.requireNonNullElse(config, Map.of()));
        set.values().removeIf(Objects::isNull);
        config = Map.copyOf(set);
        Check.notNull("provenance", provenance);
    }

    /** The sweep its config names (key "sweep"), or null for a run on its own. */
    public String sweep() {
        return config.get("sweep") instanceof String id && !id.isEmpty() ? id : null;
    }

    /** The run's step budget: its configured {@code steps} when a positive number, else null. */
    public Long budget() {
        return config.get("steps") instanceof Number n && n.longValue() > 0 ? n.longValue() : null;
    }
}
