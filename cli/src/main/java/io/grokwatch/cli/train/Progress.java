package io.grokwatch.cli.train;

import io.grokwatch.trainer.train.StepMetrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The progress line of a training run on stderr: redrawn in place (\r) on a terminal, else one line per interval. Other lines
 * (warnings) go through {@link #println} so they do not tear the bar. Thread-safe.
 */
public final class Progress {
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final PrintWriter err;
    private final boolean interactive;
    private final long total;
    private final long intervalNanos;
    private final String prefix; // e.g. "[run-7] " when several runs share one stderr
    private long firstStep; // speed and ETA count from the first evaluated step, after ND4J has loaded
    private long startNanos = -1;
    private long lastPrintNanos;
    private boolean printedAny;
    private String shown = ""; // the bar currently on screen (interactive)

    public Progress(PrintWriter err, boolean interactive, long total, Duration interval) {
        this(err, interactive, total, interval, "");
    }

    /** Every line starts with {@code prefix}. */
    public Progress(PrintWriter err, boolean interactive, long total, Duration interval, String prefix) {
        this.err = err;
        this.interactive = interactive;
        this.total = total;
        this.intervalNanos = interval.toNanos();
        this.prefix = prefix;
    }

    public synchronized void step(StepMetrics m) {
        long now = System.nanoTime();
        if (startNanos < 0) {
            startNanos = now;
            firstStep = m.step();
        }
        boolean last = m.step() >= total;
        long gap = interactive ? REDRAW_NANOS : intervalNanos;
        if (printedAny && !last && now - lastPrintNanos < gap) return;
        printedAny = true;
        lastPrintNanos = now;
        double elapsed = (now - startNanos) / 1e9;
        double rate = elapsed > 0 ? (m.step() - firstStep) / elapsed : 0;
        String line = prefix + line(m, total, rate);
        if (interactive) {
            err.print("\r" + line + " ".repeat(Math.max(0, shown.length() - line.length())));
            shown = line;
        } else {
            err.println(line);
        }
        err.flush();
    }

    public synchronized void println(String line) {
        if (interactive && !shown.isEmpty()) {
            err.print("\r" + " ".repeat(shown.length()) + "\r");
        }
        err.println(prefix + line);
        if (interactive && !shown.isEmpty()) err.print(shown);
        err.flush();
    }

    /** Ends the in-place bar with a newline. */
    public synchronized void finish() {
        if (interactive && !shown.isEmpty()) {
            err.println();
            shown = "";
            err.flush();
        }
    }

    /** e.g. {@code step 1200/10000 12% | train loss 0.0123 acc 100.0% | val loss 2.35 acc 41.2% | 850 steps/s | ETA 0:10}. */
    public static String line(StepMetrics m, long total, double stepsPerSecond) {
        long left = Math.max(0, total - m.step());
        String eta = stepsPerSecond > 0 ? clock(Math.round(left / stepsPerSecond)) : "-";
        return String.format(
                Locale.ROOT,
                "step %d/%d %3.0f%% | train loss %.4g acc %5.1f%% | val loss %.4g acc %5.1f%% | %.0f steps/s | ETA %s",
                m.step(),
                total,
                total == 0 ? 100.0 : 100.0 * m.step() / total,
                m.trainLoss(),
                100 * m.trainAcc(),
                m.valLoss(),
                100 * m.valAcc(),
                stepsPerSecond,
                eta);
    }

    private static String clock(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
