package io.grokwatch.events;

import java.util.Arrays;

/**
 * The token-embedding matrix of a run at one step, row-major float32 ({@code rows x cols}).
 * On the wire the matrix is base64 of little-endian float32, so it round-trips bit-exactly.
 *
 * @param task task id (e.g. {@code add}), so structure analysis knows the group
 * @param modulus p for tasks over Z_p (row i is the embedding of residue i), 0 otherwise
 */
public record EmbeddingSnapshot(
        String run, long step, long time, String task, int modulus, int rows, int cols, float[] data) implements Event {

    public EmbeddingSnapshot {
        Check.run(run);
        Check.nonNegative("step", step);
        Check.nonNegative("time", time);
        task = task == null ? "" : task;
        Check.nonNegative("modulus", modulus);
        if (rows <= 0) throw new InvalidEventException("rows", "must be > 0, got " + rows);
        if (cols <= 0) throw new InvalidEventException("cols", "must be > 0, got " + cols);
        Check.notNull("data", data);
        if ((long) rows * cols != data.length) {
            throw new InvalidEventException(
                    "data", "holds " + data.length + " floats, rows*cols = " + (long) rows * cols);
        }
    }

    /** Element (r, c). */
    public float get(int r, int c) {
        return data[r * cols + c];
    }

    /** Row r as a double vector. */
    public double[] row(int r) {
        double[] out = new double[cols];
        for (int c = 0; c < cols; c++) out[c] = data[r * cols + c];
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmbeddingSnapshot s
                && run.equals(s.run)
                && step == s.step
                && time == s.time
                && task.equals(s.task)
                && modulus == s.modulus
                && rows == s.rows
                && cols == s.cols
                && Arrays.equals(data, s.data);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(run, step, time, task, modulus, rows, cols) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "EmbeddingSnapshot[run=" + run + ", step=" + step + ", " + rows + "x" + cols + "]";
    }
}
