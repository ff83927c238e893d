package io.grokwatch.cli.sweep;

import io.grokwatch.events.Job;
import io.grokwatch.events.config.Setting;
import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import io.grokwatch.trainer.sweep.Grid;
import io.grokwatch.trainer.train.TrainConfig;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The jobs of one sweep: a preset, its grid and seeds, each point checked as a whole config before anything is
 * published.
 *
 * <pre>{@code
 * SweepPlan plan = SweepPlan.of("sw-1", Presets.get("simple-grokking"), Grid.parse(specs), 3);
 * plan.jobs(); // one per point and seed, run ids sw-1-000, sw-1-001, ...
 * }</pre>
 */
public record SweepPlan(String sweep, TrainConfig base, Grid grid, int seeds, List<Job> jobs) {

    public SweepPlan {
        jobs = List.copyOf(jobs);
    }

    /**
     * Every point of {@code grid} over {@code base}, times {@code seeds} seeds (base seed, +1, ...; 0 keeps the
     * base's one seed and leaves it out of the point).
     *
     * @throws IllegalArgumentException naming the point or the flag at fault
     */
    public static SweepPlan of(String sweep, TrainConfig base, Grid grid, int seeds) {
        if (seeds < 0) throw new IllegalArgumentException("--seeds must be >= 0, got " + seeds);
        boolean seedAxis = grid.axes().stream().anyMatch(a -> a.setting().name().equals("seed"));
        if (seedAxis && seeds > 0) {
            throw new IllegalArgumentException("--seeds and a grid over seed: give one of them");
        }
        List<Map<String, Object>> points = grid.points();
        List<TrainConfig> configs = grid.configs(base);
        List<Job> jobs = new ArrayList<>();
        long now = System.currentTimeMillis();
        int index = 0;
        for (int i = 0; i < points.size(); i++) {
            for (int s = 0; s < Math.max(1, seeds); s++) {
                TrainConfig cfg = configs.get(i);
                Map<String, Object> point = json(points.get(i));
                if (seeds > 0) {
                    long seed = base.seed() + s;
                    cfg = cfg.toBuilder().seed(seed).build();
                    point.put("seed", seed);
                }
                jobs.add(new Job(runId(sweep, index++), sweep, now, point, TrainConfigJson.toMap(cfg)));
            }
        }
        return new SweepPlan(sweep, base, grid, seeds, jobs);
    }

    /** {@code base} with each {@code NAME=VALUE} applied, checked as a whole; the names are train's flags. */
    public static TrainConfig withSettings(TrainConfig base, List<String> settings) {
        if (settings.isEmpty()) return base;
        Grid fixed = Grid.parse(settings);
        for (Grid.Axis a : fixed.axes()) {
            if (a.values().size() != 1) {
                throw new IllegalArgumentException("--set " + a.setting().name() + " takes one value, got "
                        + a.values().size() + "; use --grid for an axis");
            }
        }
        List<TrainConfig> one = fixed.configs(base);
        return one.get(0);
    }

    /** {@code sw-simple-grokking-20261202-160000}. */
    public static String newSweepId(String preset) {
        return "sw-" + preset + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    /** The run id of a sweep's job number {@code index}: the sweep id and three digits or more. */
    public static String runId(String sweep, int index) {
        return sweep + "-" + String.format(Locale.ROOT, "%03d", index);
    }

    /** True when {@code run} is a run id of {@code sweep}. */
    public static boolean inSweep(String sweep, String run) {
        return run.startsWith(sweep + "-")
                && run.substring(sweep.length() + 1).chars().allMatch(Character::isDigit);
    }

    /** The point's values as its settings write them in JSON (enums by name). */
    private static Map<String, Object> json(Map<String, Object> point) {
        Map<String, Object> out = new LinkedHashMap<>();
        point.forEach((name, v) -> {
            Setting<?> s = TrainConfig.TABLE.get(name);
            out.put(name, s.toJson(v));
        });
        return out;
    }
}
