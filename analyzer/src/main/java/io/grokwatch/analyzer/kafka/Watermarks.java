package io.grokwatch.analyzer.kafka;

/**
 * Backpressure thresholds of a {@link KafkaSource}, in records emitted but not yet finished:
 * above {@code high} the source pauses its partitions (and keeps polling, so it stays in the
 * group); at or below {@code low} it resumes them.
 */
public record Watermarks(int high, int low) {

    public Watermarks {
        if (high <= 0) throw new IllegalArgumentException("watermarks.high must be > 0, got " + high);
        if (low < 0 || low >= high) {
            throw new IllegalArgumentException("watermarks.low must be in [0, high=" + high + "), got " + low);
        }
    }

    /** High at {@code n} poll batches of {@code maxPollRecords}, low at half of it. */
    public static Watermarks ofBatches(int n, int maxPollRecords) {
        if (n <= 0) throw new IllegalArgumentException("batches must be > 0, got " + n);
        int high = Math.multiplyExact(n, maxPollRecords);
        return new Watermarks(high, high / 2);
    }
}
