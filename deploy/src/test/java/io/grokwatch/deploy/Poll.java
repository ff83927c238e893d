package io.grokwatch.deploy;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, checking every 100 ms: no fixed sleeps. */
final class Poll {
    private Poll() {}

    /** Returns the first non-null value of {@code probe}; fails with {@code what} and the last value seen. */
    static <T> T until(Duration deadline, String what, Supplier<T> probe) {
        long end = System.nanoTime() + deadline.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                T value = probe.get();
                if (value != null) return value;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(
                        "timed out after " + deadline + " waiting for " + what
                                + (last == null ? "" : " (last error: " + last.getMessage() + ")"),
                        last);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
