package io.grokwatch.trainer.model;

/** Model input: the two operand token ids per example (the models add any '=' token themselves). */
public record Batch(int[] a, int[] b) {
    public Batch {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException(
                    "a and b must be non-empty and of one length, got " + a.length + " and " + b.length);
        }
    }

    public int size() {
        return a.length;
    }
}
