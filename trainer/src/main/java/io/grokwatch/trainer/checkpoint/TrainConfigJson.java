package io.grokwatch.trainer.checkpoint;

import io.grokwatch.trainer.train.TrainConfig;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link TrainConfig} as a JSON-ready map (enums by name, in component order) and back; the form written into
 * run_started and into every checkpoint.
 *
 * <pre>{@code Map<String, Object> m = TrainConfigJson.toMap(cfg); TrainConfig same = TrainConfigJson.fromMap(m);}</pre>
 *
 * <p>Driven by the record's components, so a field added to TrainConfig is carried without a change here; a
 * field missing from an older map takes the builder's default.
 */
public final class TrainConfigJson {
    /**
     * Fields a resumed run may change: the step budget, how often it evaluates and snapshots, when it stops after
     * grokking, and the label. None of them changes what the parameters become; every other field does.
     */
    public static final Set<String> MAY_CHANGE_ON_RESUME =
            Set.of("name", "steps", "evalEvery", "snapshotEvery", "stopAfterGrok", "stopAccuracy");

    private static final RecordComponent[] COMPONENTS = TrainConfig.class.getRecordComponents();

    private TrainConfigJson() {
    }

    /** Every field by its record component name: numbers, booleans, strings, enum names, lists of numbers. */
    public static Map<String, Object> toMap(TrainConfig cfg) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : COMPONENTS) {
            Object v = value(c, cfg);
            out.put(c.getName(), v instanceof Enum<?> e ? e.name() : v instanceof List<?> l ? List.copyOf(l) : v);
        }
        return out;
    }

    /**
     * The config a map describes; fields it lacks take {@link TrainConfig#builder()}'s defaults.
     *
     * @throws IllegalArgumentException naming the field when a value has the wrong type, an unknown name is
     *     present, or the config fails TrainConfig's own validation
     */
    public static TrainConfig fromMap(Map<String, ?> map) {
        Map<String, Object> defaults = toMap(TrainConfig.builder().build());
        for (String key : map.keySet()) {
            if (!defaults.containsKey(key)) {
                throw new IllegalArgumentException("config field '" + key + "' is unknown to this grokwatch (written by a newer version?)");
            }
        }
        Object[] args = new Object[COMPONENTS.length];
        Class<?>[] types = new Class<?>[COMPONENTS.length];
        for (int i = 0; i < COMPONENTS.length; i++) {
            RecordComponent c = COMPONENTS[i];
            types[i] = c.getType();
            Object raw = map.containsKey(c.getName()) ? map.get(c.getName()) : defaults.get(c.getName());
            args[i] = convert(c.getName(), c.getType(), raw);
        }
        try {
            Constructor<TrainConfig> ctor = TrainConfig.class.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("TrainConfig has no canonical constructor", e);
        }
    }

    /**
     * Fields other than {@code ignore} whose values differ, each as {@code "lr: checkpoint 0.03, now 0.01"}, in
     * component order; empty when the two configs agree.
     */
    public static List<String> differences(TrainConfig checkpoint, TrainConfig now, Set<String> ignore) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : COMPONENTS) {
            if (ignore.contains(c.getName())) {
                continue;
            }
            Object a = value(c, checkpoint);
            Object b = value(c, now);
            if (!Objects.equals(a, b)) {
                out.add(c.getName() + ": checkpoint " + a + ", now " + b);
            }
        }
        return out;
    }

    private static Object value(RecordComponent c, TrainConfig cfg) {
        try {
            return c.getAccessor().invoke(cfg);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read TrainConfig." + c.getName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(String field, Class<?> type, Object raw) {
        if (raw == null) {
            throw new IllegalArgumentException("config field '" + field + "' is null");
        }
        if (type == String.class) {
            if (raw instanceof String s) {
                return s;
            }
        } else if (type == int.class || type == long.class || type == double.class) {
            if (raw instanceof Number n) {
                if (type == double.class) {
                    return n.doubleValue();
                }
                // an integral field must hold an integral value: 3.5 steps is corrupt, not 3
                if (n.doubleValue() != Math.rint(n.doubleValue()) && !(n instanceof Long || n instanceof Integer)) {
                    throw new IllegalArgumentException("config field '" + field + "' must be an integer, got " + raw);
                }
                return type == int.class ? (Object) Math.toIntExact(n.longValue()) : (Object) n.longValue();
            }
        } else if (type == boolean.class) {
            if (raw instanceof Boolean b) {
                return b;
            }
        } else if (type.isEnum()) {
            if (raw instanceof String s) {
                try {
                    return Enum.valueOf((Class<? extends Enum>) type, s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("config field '" + field + "' must be one of "
                            + Arrays.toString(type.getEnumConstants()) + ", got '" + s + "'");
                }
            }
        } else if (type == List.class) {
            if (raw instanceof List<?> l) {
                List<Integer> ints = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                        throw new IllegalArgumentException("config field '" + field + "' must be a list of integers, got " + raw);
                    }
                    ints.add(Math.toIntExact(n.longValue()));
                }
                return ints;
            }
        } else {
            throw new IllegalStateException("TrainConfig field " + field + " has type " + type + ", unknown to TrainConfigJson");
        }
        throw new IllegalArgumentException("config field '" + field + "' must be a " + type.getSimpleName() + ", got "
                + raw.getClass().getSimpleName() + " " + raw);
    }
}
