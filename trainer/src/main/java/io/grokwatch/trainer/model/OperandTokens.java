package io.grokwatch.trainer.model;

/** The check each model makes before a forward: every operand token indexes its embedding table. */
final class OperandTokens {
    private OperandTokens() {}

    /** Throws unless every token of {@code batch} is in [0, bound); the message names the first bad row. */
    static void requireBelow(Batch batch, int bound) {
        int[] a = batch.a();
        int[] b = batch.b();
        for (int i = 0; i < a.length; i++) {
            if (a[i] < 0 || a[i] >= bound || b[i] < 0 || b[i] >= bound) {
                throw new IllegalArgumentException(
                        "token at row " + i + " outside [0, " + bound + "): " + a[i] + ", " + b[i]);
            }
        }
    }
}
