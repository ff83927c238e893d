package io.grokwatch.events.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One setting of a config record, defined once: name, type, default, check, one-line doc and command-line flag,
 * in the spirit of Kafka's {@code ConfigDef.define}.
 *
 * <pre>{@code
 * Setting.ofDouble("trainFraction", 0.6).check(v -> v > 0 && v < 1, "must be in (0, 1)")
 *     .label("F").doc("Share of all pairs in the training set.")
 * }</pre>
 *
 * <p>Configured fluently while a {@link SettingTable} is being built; the table freezes it, after which it is
 * immutable and safe to share.
 */
public final class Setting<T> {
    /** The value types a setting can hold; each knows its text and JSON forms. */
    public enum Kind {
        INT,
        LONG,
        DOUBLE,
        BOOLEAN,
        STRING,
        ENUM,
        INT_LIST
    }

    private final String name;
    private final Kind kind;
    private final Class<?> type;
    private final T defaultValue;
    private Predicate<? super T> test = v -> true;
    private String rule = "";
    private String doc = "";
    private String label;
    private List<String> flags;
    private Function<String, ? extends T> parser;
    private Function<? super T, String> printer = String::valueOf;
    private boolean frozen;

    private Setting(String name, Kind kind, Class<?> type, T defaultValue) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = kind;
        this.type = type;
        this.defaultValue = defaultValue;
        this.flags = List.of("--" + kebab(name));
        this.label = kind == Kind.BOOLEAN ? "" : "VALUE";
    }

    public static Setting<Integer> ofInt(String name, int defaultValue) {
        return new Setting<>(name, Kind.INT, int.class, defaultValue);
    }

    public static Setting<Long> ofLong(String name, long defaultValue) {
        return new Setting<>(name, Kind.LONG, long.class, defaultValue);
    }

    public static Setting<Double> ofDouble(String name, double defaultValue) {
        return new Setting<>(name, Kind.DOUBLE, double.class, defaultValue).printer(Setting::number);
    }

    public static Setting<Boolean> ofBoolean(String name, boolean defaultValue) {
        return new Setting<>(name, Kind.BOOLEAN, boolean.class, defaultValue);
    }

    public static Setting<String> ofString(String name, String defaultValue) {
        return new Setting<>(name, Kind.STRING, String.class, defaultValue);
    }

    /** An enum, parsed by its constant names in any case and shown in lower case, unless a parser says otherwise. */
    public static <E extends Enum<E>> Setting<E> ofEnum(String name, Class<E> type, E defaultValue) {
        Setting<E> s = new Setting<>(name, Kind.ENUM, type, defaultValue);
        s.parser = text -> enumConstant(type, text);
        s.printer = e -> e.name().toLowerCase(Locale.ROOT);
        return s;
    }

    /** A list of integers, written {@code 256,128} on the command line. */
    public static Setting<List<Integer>> ofIntList(String name, List<Integer> defaultValue) {
        Setting<List<Integer>> s = new Setting<>(name, Kind.INT_LIST, List.class, List.copyOf(defaultValue));
        s.printer = l -> l.stream().map(String::valueOf).collect(Collectors.joining(","));
        return s;
    }

    // ---------------------------------------------------------------- definition (before the table freezes it)

    /** The rule every value must pass, and how an error states it ("must be in (0, 1)"). */
    public Setting<T> check(Predicate<? super T> test, String rule) {
        mutable();
        this.test = Objects.requireNonNull(test);
        this.rule = Objects.requireNonNull(rule);
        return this;
    }

    /** One line: what the setting means; the help text of its flag and its row in the docs. */
    public Setting<T> doc(String doc) {
        mutable();
        this.doc = Objects.requireNonNull(doc);
        return this;
    }

    /** The flag's parameter label in help and docs ({@code --lr LR}). */
    public Setting<T> label(String label) {
        mutable();
        this.label = Objects.requireNonNull(label);
        return this;
    }

    /** The flags, first the main one; by default {@code --kebab-case-name}. */
    public Setting<T> flags(String flag, String... aliases) {
        mutable();
        List<String> all = new ArrayList<>(List.of(flag));
        all.addAll(List.of(aliases));
        this.flags = List.copyOf(all);
        return this;
    }

    /** Not a command-line setting (set by presets or code only). */
    public Setting<T> noFlag() {
        mutable();
        this.flags = List.of();
        return this;
    }

    /** Parses the text of a flag; throws IllegalArgumentException with a message that says what was wrong. */
    public Setting<T> parser(Function<String, ? extends T> parser) {
        mutable();
        this.parser = Objects.requireNonNull(parser);
        return this;
    }

    /** How a value is written in docs and help (the inverse of the parser). */
    public Setting<T> printer(Function<? super T, String> printer) {
        mutable();
        this.printer = Objects.requireNonNull(printer);
        return this;
    }

    Setting<T> freeze() {
        frozen = true;
        return this;
    }

    private void mutable() {
        if (frozen) throw new IllegalStateException("setting " + name + " is part of a table already");
    }

    // ---------------------------------------------------------------- reading

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The Java type of the record component that holds it ({@code int.class}, an enum class, {@code List.class}). */
    public Class<?> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    public String label() {
        return label;
    }

    public List<String> flags() {
        return flags;
    }

    /** The main flag, or null when the setting has none. */
    public String flag() {
        return flags.isEmpty() ? null : flags.get(0);
    }

    /** How one of its flags reads in usage and docs: {@code --lr LR}, or {@code --[no-]layer-norm} for a boolean. */
    public String synopsis(String flag) {
        return kind == Kind.BOOLEAN ? flag.replace("--", "--[no-]") : flag + " " + label;
    }

    /** The rule a value breaks, or null when it passes. */
    @SuppressWarnings("unchecked")
    public String violation(Object value) {
        return test.test((T) value) ? null : rule;
    }

    /** Whether the value is of this setting's Java type (boxed: an int setting holds Integers), so its rule can read it. */
    public boolean holds(Object value) {
        return switch (kind) {
            case INT -> value instanceof Integer;
            case LONG -> value instanceof Long;
            case DOUBLE -> value instanceof Double;
            case BOOLEAN -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ENUM -> type.isInstance(value);
            case INT_LIST -> value instanceof List<?> l && l.stream().allMatch(e -> e instanceof Integer);
        };
    }

    /** A value as the docs and help show it. */
    @SuppressWarnings("unchecked")
    public String print(Object value) {
        return printer.apply((T) value);
    }

    /** The value a command-line text stands for; IllegalArgumentException saying why it is not one. */
    public T parse(String text) {
        String t = text.trim();
        if (parser != null) return parser.apply(t);
        @SuppressWarnings("unchecked")
        T v = (T)
                switch (kind) {
                    case INT -> parseWith(t, Integer::valueOf, "an integer");
                    case LONG -> parseWith(t, Long::valueOf, "an integer");
                    case DOUBLE -> parseWith(t, Double::valueOf, "a number");
                    case BOOLEAN ->
                        switch (t.toLowerCase(Locale.ROOT)) {
                            case "true" -> Boolean.TRUE;
                            case "false" -> Boolean.FALSE;
                            default -> throw new IllegalArgumentException("must be true or false, got '" + text + "'");
                        };
                    case STRING -> t;
                    case INT_LIST -> parseInts(t);
                    case ENUM -> throw new IllegalStateException("enum setting " + name + " has no parser");
                };
        return v;
    }

    /**
     * The Java value of a decoded JSON value (Number, Boolean, String, List); IllegalArgumentException naming the
     * field when the JSON type is wrong. Enums are read by constant name; integral fields refuse fractions.
     */
    public Object fromJson(Object raw) {
        if (raw == null) throw new IllegalArgumentException("config field '" + name + "' is null");
        switch (kind) {
            case STRING -> {
                if (raw instanceof String s) return s;
            }
            case DOUBLE -> {
                if (raw instanceof Number n) return n.doubleValue();
            }
            case INT, LONG -> {
                if (raw instanceof Number n) {
                    // an integral field must hold an integral value: 3.5 steps is corrupt, not 3
                    if (n.doubleValue() != Math.rint(n.doubleValue()) && !(n instanceof Long || n instanceof Integer)) {
                        throw new IllegalArgumentException(
                                "config field '" + name + "' must be an integer, got " + raw);
                    }
                    return kind == Kind.INT ? (Object) Math.toIntExact(n.longValue()) : (Object) n.longValue();
                }
            }
            case BOOLEAN -> {
                if (raw instanceof Boolean b) return b;
            }
            case ENUM -> {
                if (raw instanceof String s) {
                    for (Object c : type.getEnumConstants()) {
                        if (((Enum<?>) c).name().equals(s)) return c;
                    }
                    throw new IllegalArgumentException("config field '" + name + "' must be one of "
                            + Arrays.toString(type.getEnumConstants()) + ", got '" + s + "'");
                }
            }
            case INT_LIST -> {
                if (raw instanceof List<?> l) {
                    List<Integer> ints = new ArrayList<>();
                    for (Object o : l) {
                        if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                            throw new IllegalArgumentException(
                                    "config field '" + name + "' must be a list of integers, got " + raw);
                        }
                        ints.add(Math.toIntExact(n.longValue()));
                    }
                    return List.copyOf(ints);
                }
            }
        }
        throw new IllegalArgumentException("config field '" + name + "' must be a " + type.getSimpleName() + ", got "
                + raw.getClass().getSimpleName() + " " + raw);
    }

    /** The value as it goes into JSON: enums by constant name, lists copied, the rest as they are. */
    public Object toJson(Object value) {
        return value instanceof Enum<?> e ? e.name() : value instanceof List<?> l ? List.copyOf(l) : value;
    }

    @Override
    public String toString() {
        return "Setting[" + name + " " + kind + " = " + (defaultValue == null ? "null" : print(defaultValue)) + "]";
    }

    // ---------------------------------------------------------------- helpers

    /** trainFraction -> train-fraction. */
    public static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** 0.9, 1000, 1e-08 -> 1e-8, 10000.0 -> 1e4: numbers as a person writes them. */
    public static String number(Object value) {
        if (value instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) >= 1e4) {
                return String.format(Locale.ROOT, "%.0e", d).replace("e+0", "e").replace("e+", "e");
            }
            if (d == Math.rint(d)) return Long.toString(d.longValue());
            if (d != 0 && Math.abs(d) < 1e-3) {
                String s = String.format(Locale.ROOT, "%.0e", d);
                if (Double.parseDouble(s) == d) return s.replace("e-0", "e-");
            }
            return Double.toString(d);
        }
        return String.valueOf(value);
    }

    private static <E extends Enum<E>> E enumConstant(Class<E> type, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) return e;
        }
        throw new IllegalArgumentException("must be one of "
                + Arrays.stream(type.getEnumConstants())
                        .map(e -> e.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", "))
                + ", got '" + text + "'");
    }

    private static Object parseWith(String text, Function<String, Object> f, String what) {
        try {
            return f.apply(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be " + what + ", got '" + text + "'");
        }
    }

    private static List<Integer> parseInts(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            out.add((Integer) parseWith(part.trim(), Integer::valueOf, "a list of integers like 256,128"));
        }
        return List.copyOf(out);
    }
}
