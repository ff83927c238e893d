package io.grokwatch.trainer.model;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/** Splits [0, n) into k contiguous ranges and runs them on the caller and a shared daemon pool, each claimed by the next free thread. */
public final class RangeRunner {
    // The trainer's own copy of the idea behind the analyzer's ChunkRunner: modules share code only through events,
    // and this one differs in claiming ranges in turn rather than fixing one chunk per thread.

    /** Threads besides the caller's; daemon, shared by all models, idle ones exit after 60 s. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "mlp-shard-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    private RangeRunner() {}

    /** Start of range s of k over [0, n): contiguous, sizes differing by at most one; range s ends at start(n, k, s + 1). */
    static int start(int n, int k, int s) {
        return (int) ((long) n * s / k);
    }

    /**
     * Calls range.accept(s) once for every s in [0, k), on the caller and min(threads, k) - 1 pool threads, and
     * returns when every call has ended; then rethrows the first failure (the ranges not yet started are skipped
     * after one). Which thread ran a range is not fixed, so a range must write only its own buffers.
     */
    public static void run(int k, int threads, IntConsumer range) {
        Pass pass = new Pass(k, range);
        for (int t = 1; t < Math.min(threads, k); t++) {
            POOL.execute(pass::work);
        }
        pass.work();
        pass.await(); // every claimed range done, so none still writes its buffers when this returns or throws
    }

    /**
     * One call's ranges, claimed in order by whichever thread asks next. A pool thread that starts late (or after
     * the call) finds nothing left and returns; one that is descheduled holds up at most the range it claimed.
     */
    private static final class Pass {
        private final int k;
        private final IntConsumer range;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Pass(int k, IntConsumer range) {
            this.k = k;
            this.range = range;
            this.done = new CountDownLatch(k);
        }

        void work() {
            for (int i = next.getAndIncrement(); i < k; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        range.accept(i);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        }

        /** Waits for every range, then rethrows the first failure. */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the ranges' buffers must be quiet before returning, so keep waiting
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable e = failure.get();
            if (e instanceof RuntimeException re) {
                throw re;
            } else if (e instanceof Error er) {
                throw er;
            } else if (e != null) {
                throw new IllegalStateException(e);
            }
        }
    }
}
