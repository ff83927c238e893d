package io.grokwatch.trainer.train;

import org.nd4j.linalg.factory.Nd4j;

/** Process-wide ND4J settings for training: float32 default type and the native thread count. */
public final class Backend {
    private Backend() {
    }

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
     * Threads to use: system property {@code grokwatch.threads}, else env {@code GROKWATCH_THREADS}, else 1
     * (measured faster here than 2 for every preset; see README-backend.md).
     */
    public static int configuredThreads() {
        String v = System.getProperty("grokwatch.threads", System.getenv("GROKWATCH_THREADS"));
        if (v == null || v.isBlank()) {
            return 1;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("grokwatch.threads must be an integer, got '" + v + "'", e);
        }
    }

    /** A short description for provenance: backend class, BLAS vendor, thread counts. */
    public static String describe() {
        return Nd4j.getBackend().getClass().getSimpleName() + ", blas " + Nd4j.factory().blas().getBlasVendor()
                // as each layer reports it: libnd4j's op pool may report its pool size, not the cap set above
                + ", op threads " + Nd4j.getEnvironment().maxThreads() + ", blas threads " + Nd4j.factory().blas().getMaxThreads();
    }
}
