package io.grokwatch.events;

/** A record that breaks the wire contract; {@link #field()} names the offending field. */
public final class InvalidEventException extends IllegalArgumentException {
    private final String field;

    public InvalidEventException(String field, String message) {
        super(field == null ? message : "field '" + field + "': " + message);
        this.field = field;
    }

    public InvalidEventException(String field, String message, Throwable cause) {
        this(field, message);
        initCause(cause);
    }

    /** The JSON field at fault, or null when the record as a whole is (e.g. not JSON). */
    public String field() {
        return field;
    }
}
