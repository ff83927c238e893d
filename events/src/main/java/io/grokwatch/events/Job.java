package io.grokwatch.events;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One training run to do, on grokwatch.jobs: a worker takes it, trains it as {@code grokwatch train} would, and
 * commits the job only when the run has finished.
 *
 * @param run the run id the job trains under (the Kafka key)
 * @param sweep the sweep this job belongs to; "" for a job on its own
 * @param time when the job was published, epoch ms
 * @param point the grid point: the settings that vary across the sweep, by setting name (and "seed")
 * @param config the whole training config, by setting name, as {@code TrainConfig}'s JSON holds it
 */
public record Job(String run, String sweep, long time, Map<String, Object> point, Map<String, Object> config)
        implements Event {

    public Job {
        Check.run(run);
        sweep = sweep == null ? "" : sweep;
        Check.nonNegative("time", time);
        point = ordered(point);
        config = ordered(config);
        if (config.isEmpty()) throw new InvalidEventException("config", "must not be empty");
    }

    /** The point as {@code name=value} pairs in axis order, e.g. {@code weightDecay=0.1 seed=0}; "" for none. */
    public String describePoint() {
        StringBuilder sb = new StringBuilder();
        point.forEach((k, v) ->
                sb.append(sb.length() > 0 ? " " : "").append(k).append('=').append(v));
        return sb.toString();
    }

    // The point's order is the grid's axis order, which reports keep; Map.copyOf would lose it.
    private static Map<String, Object> ordered(Map<String, Object> m) {
        Map<String, Object> copy = new LinkedHashMap<>(Objects.requireNonNullElse(m, Map.of()));
        copy.values().removeIf(Objects::isNull);
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** The run's step budget: its configured {@code steps} when a positive number, else null. */
    public Long budget() {
        return config.get("steps") instanceof Number n && n.longValue() > 0 ? n.longValue() : null;
    }
}
