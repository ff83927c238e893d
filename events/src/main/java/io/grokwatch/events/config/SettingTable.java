package io.grokwatch.events.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Every setting of one config record, in component order: the one place its defaults, checks, flags and docs
 * come from. Builders start from {@link #defaults()}, {@link #create} checks each value and builds the record,
 * command lines and docs tables are made from {@link #settings()}.
 *
 * <pre>{@code
 * static final SettingTable<DetectorConfig> TABLE = SettingTable.builder(DetectorConfig.class)
 *     .errors((name, value, rule) -> "detector config " + name + "=" + value + ": " + rule)
 *     .define(Setting.ofDouble("trainThreshold", 0.9).check(v -> v > 0 && v <= 1, "must be in (0,1]").doc("..."))
 *     ...
 *     .build();
 * }</pre>
 *
 * <p>The build fails unless the settings name the record's components exactly, in order and with their types,
 * so a field cannot be added to the record without its definition, nor defined twice.
 */
public final class SettingTable<R extends Record> {
    /** Turns a broken rule into the exception message: field name, the value, the rule. */
    @FunctionalInterface
    public interface ErrorFormat {
        String message(String name, Object value, String rule);
    }

    private final Class<R> type;
    private final List<Setting<?>> settings;
    private final Map<String, Setting<?>> byName;
    private final Map<String, Setting<?>> byFlag;
    private final ErrorFormat errors;
    private final RecordComponent[] components;
    private final Constructor<R> constructor;

    private SettingTable(Builder<R> b) {
        this.type = b.type;
        this.errors = b.errors;
        this.components = type.getRecordComponents();
        List<Setting<?>> list = new ArrayList<>();
        Map<String, Setting<?>> names = new LinkedHashMap<>();
        Map<String, Setting<?>> flags = new LinkedHashMap<>();
        for (Setting<?> s : b.settings) {
            if (names.put(s.name(), s.freeze()) != null)
                throw new IllegalStateException(type.getSimpleName() + ": setting " + s.name() + " is defined twice");
            for (String f : s.flags()) {
                if (flags.put(f, s) != null)
                    throw new IllegalStateException(type.getSimpleName() + ": flag " + f + " is defined twice");
            }
            list.add(s);
        }
        if (components.length != list.size()) {
            throw new IllegalStateException(type.getSimpleName() + " has " + components.length + " components but "
                    + list.size() + " settings: " + missing(list));
        }
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Setting<?> s = list.get(i);
            if (!c.getName().equals(s.name()) || c.getType() != s.type()) {
                throw new IllegalStateException(type.getSimpleName() + " component " + i + " is "
                        + c.getType().getSimpleName() + " " + c.getName() + ", but the setting there is "
                        + s.type().getSimpleName() + " " + s.name());
            }
            String broken = s.violation(s.defaultValue());
            if (broken != null) throw new IllegalStateException("the default of " + s.name() + " " + broken);
            types[i] = c.getType();
        }
        try {
            this.constructor = type.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type + " has no canonical constructor", e);
        }
        this.settings = List.copyOf(list);
        this.byName = Collections.unmodifiableMap(names);
        this.byFlag = Collections.unmodifiableMap(flags);
    }

    public static <R extends Record> Builder<R> builder(Class<R> type) {
        return new Builder<>(type);
    }

    /** In record-component order. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /** The setting of that name; IllegalArgumentException listing the names when there is none. */
    public Setting<?> get(String name) {
        Setting<?> s = byName.get(name);
        if (s == null)
            throw new IllegalArgumentException(
                    "unknown setting '" + name + "'; known: " + String.join(", ", byName.keySet()));
        return s;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The setting a flag ({@code --weight-decay}) sets, or null. */
    public Setting<?> byFlag(String flag) {
        return byFlag.get(flag);
    }

    /** Name to default, in order; a fresh mutable map for a builder to fill. */
    public Map<String, Object> defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Setting<?> s : settings) m.put(s.name(), s.defaultValue());
        return m;
    }

    /** Throws IllegalArgumentException, in the table's error format, when the value breaks the setting's rule. */
    public void check(String name, Object value) {
        Setting<?> s = get(name);
        String broken = s.violation(value);
        if (broken != null) throw new IllegalArgumentException(errors.message(name, value, broken));
    }

    /**
     * The record with these values (every setting must be present), after each one passes its rule in order;
     * the record's own constructor then checks rules that span fields.
     */
    public R create(Map<String, ?> values) {
        Object[] args = new Object[settings.size()];
        for (int i = 0; i < args.length; i++) {
            Setting<?> s = settings.get(i);
            if (!values.containsKey(s.name()))
                throw new IllegalArgumentException("setting '" + s.name() + "' has no value");
            Object v = values.get(s.name());
            if (v == null) throw new IllegalArgumentException(errors.message(s.name(), null, "must be set"));
            // a rule cast to the wrong type would throw ClassCastException, which says nothing about the setting
            if (!s.holds(v)) {
                throw new IllegalArgumentException(errors.message(
                        s.name(),
                        v,
                        "must be of type " + s.type().getSimpleName() + ", not "
                                + v.getClass().getSimpleName()));
            }
            check(s.name(), v);
            args[i] = v;
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    /** Name to value, in order. */
    public Map<String, Object> values(R record) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : components) m.put(c.getName(), read(c, record));
        return m;
    }

    /** Name to JSON-ready value (enums by constant name), in order. */
    public Map<String, Object> toJson(R record) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < components.length; i++)
            m.put(components[i].getName(), settings.get(i).toJson(read(components[i], record)));
        return m;
    }

    /**
     * The record a decoded JSON object describes; fields it lacks take their defaults.
     *
     * @throws IllegalArgumentException naming the field for an unknown name, a wrong type or a broken rule
     */
    public R fromJson(Map<String, ?> json) {
        for (String key : json.keySet()) {
            if (!byName.containsKey(key)) {
                throw new IllegalArgumentException(
                        "config field '" + key + "' is unknown to this grokwatch (written by a newer version?)");
            }
        }
        Map<String, Object> values = defaults();
        for (Setting<?> s : settings) {
            if (json.containsKey(s.name())) values.put(s.name(), s.fromJson(json.get(s.name())));
        }
        return create(values);
    }

    /** Fields other than {@code ignore} whose values differ, each as {@code "lr: a 0.03, b 0.01"}; empty when equal. */
    public List<String> differences(R a, R b, Set<String> ignore, String aName, String bName) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : components) {
            if (ignore.contains(c.getName())) continue;
            Object x = read(c, a);
            Object y = read(c, b);
            if (!Objects.equals(x, y)) out.add(c.getName() + ": " + aName + " " + x + ", " + bName + " " + y);
        }
        return out;
    }

    /**
     * A Markdown table with one row per setting that {@code include} accepts: the headers, then each column's text.
     * Docs embed it between markers and a test compares, so the docs cannot drift from the definitions.
     */
    @SafeVarargs
    public final String markdown(
            java.util.function.Predicate<Setting<?>> include,
            List<String> headers,
            java.util.function.Function<Setting<?>, String>... columns) {
        StringBuilder sb =
                new StringBuilder("| ").append(String.join(" | ", headers)).append(" |\n|");
        sb.append("---|".repeat(headers.size())).append('\n');
        for (Setting<?> s : settings) {
            if (!include.test(s)) continue;
            sb.append('|');
            for (var col : columns) sb.append(' ').append(col.apply(s)).append(" |");
            sb.append('\n');
        }
        return sb.toString();
    }

    private Object read(RecordComponent c, R record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + c.getName(), e);
        }
    }

    private String missing(List<Setting<?>> list) {
        List<String> names = new ArrayList<>();
        for (RecordComponent c : components) names.add(c.getName());
        List<String> defined = list.stream().map(Setting::name).toList();
        List<String> undefined =
                names.stream().filter(n -> !defined.contains(n)).toList();
        List<String> extra = defined.stream().filter(n -> !names.contains(n)).toList();
        return "not defined " + undefined + ", not in the record " + extra;
    }

    /** Collects the settings in component order. */
    public static final class Builder<R extends Record> {
        private final Class<R> type;
        private final List<Setting<?>> settings = new ArrayList<>();
        private ErrorFormat errors = (name, value, rule) -> name + " " + rule + ", got " + value;

        private Builder(Class<R> type) {
            this.type = Objects.requireNonNull(type);
        }

        /** How a broken rule reads; default {@code "lr must be >= 0, got -1.0"}. */
        public Builder<R> errors(ErrorFormat errors) {
            this.errors = Objects.requireNonNull(errors);
            return this;
        }

        public Builder<R> define(Setting<?> setting) {
            settings.add(Objects.requireNonNull(setting));
            return this;
        }

        public SettingTable<R> build() {
            return new SettingTable<>(this);
        }
    }
}
