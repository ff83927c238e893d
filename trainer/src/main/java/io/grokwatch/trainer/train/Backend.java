package io.grokwatch.trainer.train;

import org.nd4j.linalg.factory.Nd4j;

/** Process-wide ND4J settings for training: float32 default type and the native thread count. */
public final class Backend {
    private static volatile int mlpThreads = 1; // of the last Trainer built, for describe()

    private Backend() {}

    /**
     * Sets ND4J's op and BLAS thread counts. The models here are small (gemms of ~1e7 flops, many ~50 µs ops),
     * so one thread is often as fast as two, and on a busy 2-core machine two OpenMP threads were measured
     * ~10x slower than one (barrier spinning while descheduled); see README-backend.md.
     */
    public static void threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
    }

    /**
     * Threads to use: system property {@code grokwatch.threads}, else env {@code GROKWATCH_THREADS}, else 1. Given
     * to ND4J for a transformer (its own second thread measured no faster here; see README-backend.md); an MLP
     * uses them as its own step threads instead, and defaults to {@link #mlpThreads()}.
     */
    public static int configuredThreads() {
        String v = configured();
        if (v == null) {
            return 1;
        }
        return parse(v);
    }

    /**
     * Threads an MLP's training step splits its rows across (Mlp.trainStep, with ND4J single-threaded): the
     * configured count when set, else every core ({@link Runtime#availableProcessors()}), measured faster than one
     * for the MLP presets on 2 cores; see README-backend.md. On another backend than the CPU's (CUDA), 1: ND4J
     * ties threads to devices there, and the row shards were measured and tested on the CPU only.
     */
    public static int mlpThreads() {
        String v = configured();
        if (v != null) {
            return parse(v);
        }
        return onCpu() ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /** True on ND4J's CPU backend (nd4j-native), false on CUDA's. */
    public static boolean onCpu() {
        return Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    }

    /** A model's default threads: {@link #mlpThreads()} for an MLP, {@link #configuredThreads()} otherwise. */
    public static int defaultThreads(boolean mlp) {
        return mlp ? mlpThreads() : configuredThreads();
    }

    /**
     * Gives ND4J its share of a model's threads: none beyond the caller's for an MLP, whose threads are its own
     * row shards (ND4J's second thread never helped here), all of them for a transformer.
     */
    public static void threadsFor(boolean mlp, int threads) {
        threads(mlp ? 1 : threads);
    }

    /** Records the MLP step threads of the Trainer just built, for {@link #describe()}. */
    static void mlpThreadsInUse(int n) {
        mlpThreads = n;
    }

    private static String configured() {
        String v = System.getProperty("grokwatch.threads", System.getenv("GROKWATCH_THREADS"));
        return v == null || v.isBlank() ? null : v;
    }

    private static int parse(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("grokwatch.threads must be an integer, got '" + v + "'", e);
        }
    }

    /** A short description for provenance: backend class, BLAS vendor, thread counts, MLP step threads. */
    public static String describe() {
        return Nd4j.getBackend().getClass().getSimpleName() + ", blas "
                + Nd4j.factory().blas().getBlasVendor()
                // as each layer reports it: libnd4j's op pool may report its pool size, not the cap set above
                + ", op threads " + Nd4j.getEnvironment().maxThreads() + ", blas threads "
                + Nd4j.factory().blas().getMaxThreads()
                + ", mlp step threads " + mlpThreads;
    }
}
