package io.grokwatch.trainer.task;

/** One side of a split: operand indices a, b and the label a∘b, all token ids in [0, vocab). */
public record Examples(int[] a, int[] b, int[] label) {
    public Examples {
        if (a.length != b.length || a.length != label.length) {
            throw new IllegalArgumentException(
                    "a, b and label must have one length, got " + a.length + ", " + b.length + ", " + label.length);
        }
    }

    public int size() {
        return a.length;
    }
}
