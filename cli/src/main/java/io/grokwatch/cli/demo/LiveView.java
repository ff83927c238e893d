package io.grokwatch.cli.demo;

import io.grokwatch.events.Alert;
import io.grokwatch.events.Event;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The demo's terminal view: a status line (progress bar, step, phase, accuracies, speed) and one
 * line per transition or alert as they arrive. On a terminal the status line is redrawn in place;
 * otherwise (a pipe, a log, a test) it is printed as a new line at most every {@code plainEvery} ms.
 *
 * <p>Thread-safe: the trainer thread reports steps, the events watcher reports events, a ticker
 * redraws.
 */
public final class LiveView {
    private static final int BAR_WIDTH = 28;
    private static final String CLEAR_LINE = "\r\u001b[2K";

    private final PrintWriter out;
    private final boolean interactive;
    private final long totalSteps;
    private final long plainEveryMillis;
    private final LongSupplier clock;
    private final long startMillis;

    private long step = -1;
    private double trainAcc = Double.NaN;
    private double valAcc = Double.NaN;
    private double stepsPerSecond = Double.NaN;
    private Phase phase = Phase.FITTING;
    private boolean statusShown;
    private long lastPlainMillis = Long.MIN_VALUE;
    private boolean closed;

    /**
     * @param interactive redraw the status line in place (a terminal), else print it as lines
     * @param totalSteps the run's step budget, for the progress bar
     * @param plainEveryMillis least time between two status lines when not interactive
     * @param clock epoch millis
     */
    public LiveView(PrintWriter out, boolean interactive, long totalSteps, long plainEveryMillis, LongSupplier clock) {
        if (totalSteps < 1) throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        this.out = out;
        this.interactive = interactive;
        this.totalSteps = totalSteps;
        this.plainEveryMillis = plainEveryMillis;
        this.clock = clock;
        this.startMillis = clock.getAsLong();
    }

    /** Prints a line above the status line (headers, notes). */
    public synchronized void println(String line) {
        clearStatus();
        out.println(line);
        redrawIfInteractive();
    }

    /** An evaluated step of the run. */
    public synchronized void step(long step, double trainAcc, double valAcc, double stepsPerSecond) {
        if (step < this.step) return;
        this.step = step;
        this.trainAcc = trainAcc;
        this.valAcc = valAcc;
        if (Double.isFinite(stepsPerSecond) && stepsPerSecond > 0) this.stepsPerSecond = stepsPerSecond;
    }

    /** A record from grokwatch.events: transitions and alerts get a line, the rest is ignored. */
    public synchronized void event(Event e) {
        if (e instanceof Transition t) {
            phase = t.to();
            println(String.format(
                    Locale.ROOT,
                    "%7.1f s  step %-7d %s -> %s (detected at step %d)",
                    elapsedSeconds(),
                    t.step(),
                    t.from(),
                    t.to(),
                    t.detectedStep()));
        } else if (e instanceof Alert a) {
            println(String.format(
                    Locale.ROOT,
                    "%7.1f s  ALERT %s at step %d: %s",
                    elapsedSeconds(),
                    a.kind(),
                    a.step(),
                    a.message()));
        }
    }

    /** Whether the status line is redrawn in place. */
    public boolean interactive() {
        return interactive;
    }

    /** The phase last reported by the analyzer. */
    public synchronized Phase phase() {
        return phase;
    }

    /** Redraws the status line (interactive) or prints it when due (plain); called by a ticker. */
    public synchronized void tick() {
        if (closed || step < 0) return;
        if (interactive) {
            redrawIfInteractive();
        } else {
            long now = clock.getAsLong();
            if (lastPlainMillis == Long.MIN_VALUE || now - lastPlainMillis >= plainEveryMillis) {
                lastPlainMillis = now;
                out.println(statusLine());
                out.flush();
            }
        }
    }

    /** Prints the final status line and stops redrawing. */
    public synchronized void close() {
        if (closed) return;
        if (step >= 0) {
            clearStatus();
            out.println(statusLine());
        }
        out.flush();
        closed = true;
    }

    /** e.g. {@code [#######.....]  2350/10000 steps  MEMORIZED  train 1.000  val 0.412  1234 steps/s  12.3 s}. */
    synchronized String statusLine() {
        double done = Math.min(1.0, Math.max(0, step) / (double) totalSteps);
        int filled = (int) Math.round(done * BAR_WIDTH);
        return String.format(
                Locale.ROOT,
                "[%s%s] %6d/%d steps  %-12s train %s  val %s  %s  %5.1f s",
                "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled),
                Math.max(step, 0),
                totalSteps,
                phase,
                acc(trainAcc),
                acc(valAcc),
                Double.isNaN(stepsPerSecond)
                        ? "    - steps/s"
                        : String.format(Locale.ROOT, "%5.0f steps/s", stepsPerSecond),
                elapsedSeconds());
    }

    private double elapsedSeconds() {
        return (clock.getAsLong() - startMillis) / 1000.0;
    }

    private static String acc(double v) {
        return Double.isNaN(v) ? "  -  " : String.format(Locale.ROOT, "%.3f", v);
    }

    private void clearStatus() {
        if (interactive && statusShown) {
            out.print(CLEAR_LINE);
            statusShown = false;
        }
    }

    private void redrawIfInteractive() {
        if (!interactive || closed || step < 0) {
            out.flush();
            return;
        }
        out.print(CLEAR_LINE + statusLine());
        out.flush();
        statusShown = true;
    }
}
