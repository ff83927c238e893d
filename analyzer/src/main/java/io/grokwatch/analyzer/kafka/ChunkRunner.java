package io.grokwatch.analyzer.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Splits the independent items of a batch (records to decode, runs to detect) into contiguous
 * chunks run on a few helper threads, the caller taking the first chunk itself and then waiting
 * for the others: a big batch's CPU work, which is what limits the analyzer on a backlog, uses
 * every core. Each item is handled by exactly one thread, and {@link Future#get} publishes its
 * effects to the caller, so per-run state stays confined to one thread at a time.
 */
final class ChunkRunner implements AutoCloseable {
    private final int threads;
    private final ExecutorService helpers;

    /** {@code threads} in all, counting the caller; 1 runs everything on the caller. */
    ChunkRunner(int threads, String name) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.helpers = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads - 1, r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Calls {@code body} for every index in [0, n), in index order within each chunk; chunks have at
     * least {@code minChunk} items (a small batch runs on the caller alone). Rethrows the first
     * failure after every chunk has ended.
     */
    void forEach(int n, int minChunk, IntConsumer body) {
        int chunks = helpers == null ? 1 : Math.min(threads, Math.max(1, n / Math.max(1, minChunk)));
        if (chunks == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        List<Future<?>> others = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) c * n / chunks);
            int to = (int) ((long) (c + 1) * n / chunks);
            others.add(helpers.submit(() -> {
                for (int i = from; i < to; i++) body.accept(i);
            }));
        }
        RuntimeException failure = null;
        try {
            for (int i = 0, to = n / chunks; i < to; i++) body.accept(i);
        } catch (RuntimeException e) {
            failure = e;
        }
        // Blocks the caller, the analyzer's worker thread (see AnalyzerPipeline.blocking), until every chunk is done.
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure =
                            e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = new IllegalStateException("interrupted while waiting for a chunk", e);
            }
        }
        if (failure != null) throw failure;
    }

    @Override
    public void close() {
        if (helpers != null) helpers.shutdownNow();
    }
}
