package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.config.Setting;
import java.util.List;

/**
 * One axis of a sweep's grid: a setting name and the values its runs took, sorted (numbers ascending, MLP widths
 * by their widest layer, the rest by text).
 */
public record Axis(String name, List<Object> values) {

    public Axis {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("axis name must be non-empty");
        values = List.copyOf(values);
    }

    /** The name as train's flag spells it, e.g. {@code weight-decay}. */
    public String label() {
        return Setting.kebab(name);
    }

    /** Whether this axis is a model width (MLP {@code hidden} or transformer {@code dModel}). */
    public boolean isWidth() {
        return name.equals("hidden") || name.equals("dModel");
    }

    /** The index of a value on this axis, comparing as {@link #key} does; -1 when absent. */
    public int indexOf(Object value) {
        String k = key(value);
        for (int i = 0; i < values.size(); i++) if (key(values.get(i)).equals(k)) return i;
        return -1;
    }

    /** A value as an axis tick shows it: {@code 0.03}, {@code 1e-4}, {@code [128]} shown as {@code 128}. */
    public static String print(Object value) {
        if (value instanceof List<?> l && l.size() == 1) return print(l.get(0));
        if (value instanceof List<?> l) {
            return String.join("x", l.stream().map(Axis::print).toList());
        }
        return Setting.number(value instanceof Float f ? (Object) f.doubleValue() : value);
    }

    /** A value's identity on an axis: JSON turns 1.0 into 1 and back, so equal numbers must compare equal. */
    static String key(Object value) {
        if (value instanceof Number n) return Setting.number(n.doubleValue());
        if (value instanceof List<?> l)
            return l.stream().map(Axis::key).toList().toString();
        return String.valueOf(value);
    }

    /** The width a value stands for: an int, or an MLP's widest hidden layer; NaN when it is no width. */
    static double width(Object value) {
        if (value instanceof Number n) return n.doubleValue();
        if (value instanceof List<?> l && !l.isEmpty()) {
            return l.stream()
                    .mapToDouble(v -> v instanceof Number n ? n.doubleValue() : Double.NaN)
                    .max()
                    .orElse(Double.NaN);
        }
        return Double.NaN;
    }

    /** Sorts numbers (and widths) numerically before anything else, which sorts by text. */
    static int compare(Object a, Object b) {
        double x = width(a);
        double y = width(b);
        if (!Double.isNaN(x) && !Double.isNaN(y)) {
            int c = Double.compare(x, y);
            return c != 0 ? c : key(a).compareTo(key(b));
        }
        if (!Double.isNaN(x)) return -1;
        if (!Double.isNaN(y)) return 1;
        return key(a).compareTo(key(b));
    }
}
