package io.grokwatch.cli;

/** Turns exception messages into one line of text for the terminal. */
public final class OneLine {
    private OneLine() {}

    /** {@code text} with line breaks (and the spaces around them) replaced by "; ". */
    public static String of(String text) {
        if (text == null) {
            return "";
        }
        String s = text.strip().replaceAll("\\s*\\R\\s*", "; ");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The exception's message, or its type when it has none. */
    public static String describe(Throwable e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            return e.getClass().getSimpleName() + (e.getCause() == null ? "" : ": " + describe(e.getCause()));
        }
        return of(msg);
    }
}
