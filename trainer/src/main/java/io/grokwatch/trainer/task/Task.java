package io.grokwatch.trainer.task;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A binary-operation task (x op y mod p, or composition in S5) with every pair split into train and val.
 *
 * <pre>{@code Task t = Task.create(Op.ADD, 53, 0.6, 42); t.train().size(); // 1685 }</pre>
 */
public final class Task {
    private final Op op;
    private final int p;
    private final double trainFraction;
    private final long seed;
    private final Examples train;
    private final Examples val;
    private final String splitHash;

    private Task(Op op, int p, double trainFraction, long seed, Examples train, Examples val, String splitHash) {
        this.op = op;
        this.p = p;
        this.trainFraction = trainFraction;
        this.seed = seed;
        this.train = train;
        this.val = val;
        this.splitHash = splitHash;
    }

    /**
     * Builds the task and its split. For {@link Op#S5} p is ignored (the vocabulary is the 120 permutations).
     *
     * @throws IllegalArgumentException if p is not prime, the fraction is outside (0,1) or leaves a side empty
     */
    public static Task create(Op op, int p, double trainFraction, long seed) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        if (!op.isGroup() && !isPrime(p)) {
            throw new IllegalArgumentException("p must be prime, got " + p);
        }
        if (!op.isGroup() && p > 46_337) {
            // p^2 pairs must fit an int index, and the pair count is p^2 examples held in memory.
            throw new IllegalArgumentException("p must be at most 46337, got " + p);
        }
        if (!(trainFraction > 0.0 && trainFraction < 1.0)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        int n = op.isGroup() ? S5.ORDER : p;
        int[] pairs = new int[n * n];
        int count = 0;
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                if (op.isGroup() || op.defined(y)) {
                    pairs[count++] = x * n + y;
                }
            }
        }
        pairs = Arrays.copyOf(pairs, count);
        int nTrain = (int) Math.round(trainFraction * count);
        if (nTrain == 0) {
            throw new IllegalArgumentException(
                    "trainFraction " + trainFraction + " leaves the training set empty (" + count + " pairs)");
        }
        if (nTrain == count) {
            throw new IllegalArgumentException(
                    "trainFraction " + trainFraction + " leaves the validation set empty (" + count + " pairs)");
        }
        // Seeded Fisher-Yates: the same (op, p, fraction, seed) always gives the same split.
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = count - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = pairs[i];
            pairs[i] = pairs[j];
            pairs[j] = t;
        }
        // Each side in pair-index order, so the split's content (not the shuffle) defines it.
        int[] trainIdx = Arrays.copyOfRange(pairs, 0, nTrain);
        int[] valIdx = Arrays.copyOfRange(pairs, nTrain, count);
        Arrays.sort(trainIdx);
        Arrays.sort(valIdx);
        return new Task(
                op, p, trainFraction, seed, examples(op, n, trainIdx), examples(op, n, valIdx), sha256(trainIdx));
    }

    private static Examples examples(Op op, int n, int[] idx) {
        int[] a = new int[idx.length];
        int[] b = new int[idx.length];
        int[] c = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            a[i] = idx[i] / n;
            b[i] = idx[i] % n;
            c[i] = op.isGroup() ? S5.compose(a[i], b[i]) : (int) op.apply(a[i], b[i], n);
        }
        return new Examples(a, b, c);
    }

    /** SHA-256 (hex) of the sorted training pair indices x*n+y, each as a 4-byte big-endian int. */
    private static String sha256(int[] trainIdx) {
        ByteBuffer buf = ByteBuffer.allocate(trainIdx.length * 4);
        for (int i : trainIdx) {
            buf.putInt(i);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static boolean isPrime(int p) {
        if (p < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= p; d++) {
            if (p % d == 0) {
                return false;
            }
        }
        return true;
    }

    public Op op() {
        return op;
    }

    /** The modulus (for S5: 120, the group order). */
    public int modulus() {
        return op.isGroup() ? S5.ORDER : p;
    }

    /** Number of distinct operand and label tokens: p, or 120 for S5. */
    public int vocabSize() {
        return modulus();
    }

    public double trainFraction() {
        return trainFraction;
    }

    public long seed() {
        return seed;
    }

    public Examples train() {
        return train;
    }

    public Examples val() {
        return val;
    }

    /** Content hash of the split, for provenance: SHA-256 hex of the sorted train pair indices. */
    public String splitHash() {
        return splitHash;
    }
}
