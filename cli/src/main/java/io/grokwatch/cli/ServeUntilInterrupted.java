package io.grokwatch.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a service command's service open until Ctrl-C, an interrupt or {@link #requestStop()},
 * and makes a Ctrl-C wait (up to a grace period) until the service is closed before the JVM exits.
 *
 * <pre>{@code
 * serving.serve(() -> config.build().start(), bridge -> {
 *   out.println("metrics: " + bridge.metricsUrl());
 *   serving.ready();
 *   serving.awaitStop();
 *   out.println("stopping the bridge ...");
 * });
 * }</pre>
 *
 * <p>One instance serves one run of one command; tests drive it through the command's
 * {@code requestStop()} and {@code awaitReady(..)}.
 */
final class ServeUntilInterrupted {
    /** Builds (and may start) the service; {@link #serve} closes it. */
    @FunctionalInterface
    interface Opener<S> {
        S open() throws Exception;
    }

    /** A step on the open service. */
    @FunctionalInterface
    interface Step<S> {
        void run(S service) throws Exception;
    }

    private final Duration shutdownGrace;
    private final Thread onCtrlC;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean interrupted;

    /** {@code command} names the Ctrl-C hook's thread; a Ctrl-C waits at most {@code shutdownGrace} for the close. */
    ServeUntilInterrupted(String command, Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
        this.onCtrlC = new Thread(this::stopAndAwaitClose, "grokwatch-" + command + "-shutdown");
    }

    /** {@link #serve(Opener, Step, Step, Runnable)} for a service that {@code open} already started. */
    <S extends AutoCloseable> void serve(Opener<S> open, Step<S> whileOpen) throws Exception {
        serve(open, service -> {}, whileOpen, () -> {});
    }

    /**
     * Opens the service, starts it, hooks Ctrl-C, runs {@code whileOpen} (which announces the
     * service, calls {@link #ready()} and {@link #awaitStop()}), closes the service and runs
     * {@code afterClose}. Only then may a running Ctrl-C hook return and let the JVM exit. An
     * interrupt of the wait is a stop request; the close must not see it, so it is restored here.
     */
    <S extends AutoCloseable> void serve(Opener<S> open, Step<S> start, Step<S> whileOpen, Runnable afterClose)
            throws Exception {
        try {
            try (S service = open.open()) {
                start.run(service);
                Runtime.getRuntime().addShutdownHook(onCtrlC);
                whileOpen.run(service);
            }
            afterClose.run();
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException | IllegalArgumentException notRemovable) {
                // Ctrl-C: the hook is running and waited for the close above. Failed start: never added.
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Says the service serves; {@link #awaitReady} returns true from now on. */
    void ready() {
        ready.countDown();
    }

    /**
     * Waits for a stop request: Ctrl-C, {@link #requestStop()} or an interrupt (cleared here so the
     * close does not see it, and restored when {@link #serve} returns).
     */
    void awaitStop() {
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            interrupted = true;
        }
    }

    /** Like {@link #awaitStop()}, for at most {@code timeout}: true when asked to stop, false when time ran out. */
    boolean awaitStop(Duration timeout) {
        try {
            return stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            return true;
        }
    }

    /** Asks the running {@link #serve} to stop. For tests and the Ctrl-C hook. */
    void requestStop() {
        stopRequested.countDown();
    }

    /** Waits until {@link #ready()}; false on timeout. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopAndAwaitClose() {
        requestStop();
        try {
            closed.await(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
