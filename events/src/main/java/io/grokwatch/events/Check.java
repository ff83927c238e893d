package io.grokwatch.events;

/** Validation helpers shared by the records' constructors; each names the field at fault. */
final class Check {
    private Check() {}

    static String run(String run) {
        if (run == null || run.isBlank()) throw new InvalidEventException("run", "must be a non-empty string");
        return run;
    }

    static String nonEmpty(String field, String value) {
        if (value == null || value.isEmpty()) throw new InvalidEventException(field, "must be a non-empty string");
        return value;
    }

    static long nonNegative(String field, long value) {
        if (value < 0) throw new InvalidEventException(field, "must be >= 0, got " + value);
        return value;
    }

    static double finite(String field, double value) {
        if (!Double.isFinite(value)) throw new InvalidEventException(field, "must be finite, got " + value);
        return value;
    }

    static Double finiteOrNull(String field, Double value) {
        if (value != null) finite(field, value);
        return value;
    }

    static double accuracy(String field, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new InvalidEventException(field, "accuracy must be in [0,1], got " + value);
        }
        return value;
    }

    static <T> T notNull(String field, T value) {
        if (value == null) throw new InvalidEventException(field, "is required");
        return value;
    }
}
