package io.grokwatch.trainer.sweep;

import io.grokwatch.events.config.Setting;
import io.grokwatch.trainer.train.TrainConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The points of a sweep: axes over {@link TrainConfig} settings, named by their flags, and every point checked
 * as a whole config before anything runs.
 *
 * <pre>{@code
 * Grid g = Grid.parse(List.of("weight-decay=0.01,0.03,0.1", "train-fraction=0.2:0.8:4"));
 * List<TrainConfig> runs = g.configs(Presets.get("simple-grokking")); // 12 configs, the last axis fastest
 * }</pre>
 *
 * <p>An axis is {@code NAME=V1,V2,...} or, for a number, {@code NAME=FROM:TO:COUNT} (COUNT values evenly spaced,
 * both ends included). A misspelt name or a value its setting refuses is an IllegalArgumentException naming the
 * axis.
 */
public final class Grid {
    /** One axis: a setting and its values, in the order given. */
    public record Axis(Setting<?> setting, List<Object> values) {
        public Axis {
            values = List.copyOf(values);
        }
    }

    private final List<Axis> axes;

    private Grid(List<Axis> axes) {
        this.axes = List.copyOf(axes);
    }

    public List<Axis> axes() {
        return axes;
    }

    /** Parses each {@code NAME=VALUES}; a name may appear once. */
    public static Grid parse(List<String> specs) {
        List<Axis> axes = new ArrayList<>();
        for (String spec : specs) {
            Axis axis = axis(spec);
            if (axes.stream().anyMatch(a -> a.setting() == axis.setting())) {
                throw new IllegalArgumentException(
                        "grid '" + spec + "': " + flagName(axis.setting()) + " is already an axis");
            }
            axes.add(axis);
        }
        return new Grid(axes);
    }

    /** Every point as setting name to value, the last axis varying fastest; one empty point for no axes. */
    public List<Map<String, Object>> points() {
        List<Map<String, Object>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Axis axis : axes) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> p : points) {
                for (Object v : axis.values()) {
                    Map<String, Object> q = new LinkedHashMap<>(p);
                    q.put(axis.setting().name(), v);
                    next.add(q);
                }
            }
            points = next;
        }
        return points;
    }

    /**
     * The base config at every point, each built and so checked as a whole (a transformer's heads must still
     * divide its width at every point); the first point that fails names itself.
     */
    public List<TrainConfig> configs(TrainConfig base) {
        List<TrainConfig> out = new ArrayList<>();
        for (Map<String, Object> point : points()) {
            TrainConfig.Builder b = base.toBuilder();
            point.forEach(b::set);
            try {
                out.add(b.build());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("grid point " + describe(point) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** {@code weight-decay=0.1 train-fraction=0.4}. */
    public static String describe(Map<String, Object> point) {
        StringBuilder sb = new StringBuilder();
        point.forEach((name, v) -> {
            Setting<?> s = TrainConfig.TABLE.get(name);
            if (sb.length() > 0) sb.append(' ');
            sb.append(flagName(s)).append('=').append(s.print(v));
        });
        return sb.toString();
    }

    private static Axis axis(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("grid '" + spec + "' must be NAME=V1,V2,... or NAME=FROM:TO:COUNT");
        }
        String name = spec.substring(0, eq).trim();
        String values = spec.substring(eq + 1).trim();
        Setting<?> s = TrainConfig.TABLE.byFlag(name.startsWith("--") ? name : "--" + name);
        if (s == null) {
            throw new IllegalArgumentException("grid '" + spec + "': no setting is called " + name + "; did you mean "
                    + nearest(name) + "? (the names are train's flags, see grokwatch train --help)");
        }
        List<Object> parsed = values.contains(":") ? range(spec, s, values) : list(spec, s, values);
        for (Object v : parsed) {
            String broken = s.violation(v);
            if (broken != null) {
                throw new IllegalArgumentException(
                        "grid '" + spec + "': " + flagName(s) + " " + broken + ", got " + s.print(v));
            }
        }
        return new Axis(s, parsed);
    }

    private static List<Object> list(String spec, Setting<?> s, String values) {
        List<Object> out = new ArrayList<>();
        for (String text : values.split(",")) {
            try {
                out.add(s.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("grid '" + spec + "': " + flagName(s) + " " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<Object> range(String spec, Setting<?> s, String values) {
        String[] parts = values.split(":");
        boolean numeric =
                s.kind() == Setting.Kind.DOUBLE || s.kind() == Setting.Kind.INT || s.kind() == Setting.Kind.LONG;
        if (parts.length != 3 || !numeric) {
            throw new IllegalArgumentException(
                    "grid '" + spec + "': FROM:TO:COUNT needs a number setting and three parts");
        }
        double from;
        double to;
        int count;
        try {
            from = Double.parseDouble(parts[0]);
            to = Double.parseDouble(parts[1]);
            count = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("grid '" + spec + "': FROM and TO must be numbers, COUNT an integer");
        }
        if (count < 1 || (count == 1 && from != to)) {
            throw new IllegalArgumentException(
                    "grid '" + spec + "': COUNT must be >= 2 (or 1 when FROM = TO), got " + count);
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // from + i * step, rounded to 12 significant digits, so 0.2:0.8:4 gives 0.4, not 0.4000000000000001
            double v = count == 1 ? from : from + i * (to - from) / (count - 1);
            double rounded = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.12g", v));
            out.add(
                    switch (s.kind()) {
                        case INT -> (int) Math.round(rounded);
                        case LONG -> Math.round(rounded);
                        default -> rounded;
                    });
        }
        return out;
    }

    private static String flagName(Setting<?> s) {
        return s.flag().substring(2);
    }

    /** The flag name closest to a misspelt one (edit distance). */
    private static String nearest(String name) {
        String bare = name.startsWith("--") ? name.substring(2) : name;
        return TrainConfig.TABLE.settings().stream()
                .filter(s -> s.flag() != null)
                .map(Grid::flagName)
                .min(Comparator.comparingInt(f -> distance(f, bare)))
                .orElse("?");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
