package io.grokwatch.trainer.publish;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Writes step records to a {@code .jsonl} file ({@code --metrics-out}), one {@link EventCodec}
 * line per record, the format the analyzer reads offline. Other record types are ignored.
 *
 * <pre>{@code
 * try (JsonlStepWriter out = JsonlStepWriter.builder(Path.of("run.jsonl")).open()) {
 *   out.publish(step); // written now, flushed at least every second, at run_finished and at close
 * }
 * }</pre>
 *
 * <p>Writes happen on the caller's thread into a buffer; a write error does not stop the run:
 * it is reported once on the warning sink, and the records in the buffer then and from then on count as failed
 * (a record counts as written once its line was flushed).
 * Thread-safe.
 */
public final class JsonlStepWriter implements EventPublisher {
    private final Path file;
    private final BufferedWriter out;
    private final long flushIntervalNanos;
    private final Consumer<String> warnings;

    // guarded by this
    private long lastFlushNanos = System.nanoTime();
    private long published;
    /** Records known to be in the file: their lines were flushed without an error. */
    private long written;
    /** Records in the buffer, not flushed yet: a failing flush loses them, so they are not counted written. */
    private long buffered;

    private long failed;
    private boolean broken;
    private PublishStats finalStats;

    private JsonlStepWriter(Builder b, BufferedWriter out) {
        this.file = b.file;
        this.out = out;
        this.flushIntervalNanos = b.flushInterval.toNanos();
        this.warnings = b.warnings;
    }

    /** Starts configuring a writer to {@code file}. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** Opens {@code file} (replacing it) with the default settings. */
    public static JsonlStepWriter open(Path file) throws IOException {
        return builder(file).open();
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    /** Writes a step record as one line; flushes at run_finished; ignores other types. */
    @Override
    public synchronized void publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (event instanceof RunFinished) {
            flushQuietly();
            return;
        }
        if (!(event instanceof StepRecord step)) return;
        published++;
        if (finalStats != null || broken) {
            failed++;
            return;
        }
        try {
            out.write(EventCodec.encodeToString(step));
            out.write('\n');
            buffered++;
            if (System.nanoTime() - lastFlushNanos >= flushIntervalNanos) flushQuietly();
        } catch (IOException e) {
            // a write that fails may have pushed part of the buffer out: count all of it lost
            failed += buffered + 1;
            buffered = 0;
            fail(e);
        }
    }

    /**
     * Step records written ({@code delivered}: flushed to the file without an error), lost to a write error or to a
     * publish after close ({@code failed}), and still in the buffer ({@code pending}; none after close).
     */
    @Override
    public synchronized PublishStats stats() {
        return new PublishStats(published, written, 0, failed, buffered);
    }

    /** Pushes buffered lines to the file now. */
    public synchronized void flush() {
        flushQuietly();
    }

    @Override
    public synchronized PublishStats close(Duration timeout) {
        if (finalStats == null) {
            try {
                out.close(); // flushes the buffer first
                written += buffered;
            } catch (IOException e) {
                failed += buffered;
                fail(e);
            }
            buffered = 0;
            finalStats = stats();
        }
        return finalStats;
    }

    private void flushQuietly() {
        if (broken || finalStats != null) return;
        try {
            out.flush();
            written += buffered;
            lastFlushNanos = System.nanoTime();
        } catch (IOException e) {
            failed += buffered;
            fail(e);
        }
        buffered = 0;
    }

    private void fail(IOException e) {
        if (broken) return;
        broken = true;
        try {
            warnings.accept("grokwatch: cannot write " + file + " (" + e.getMessage()
                    + "); training continues, further step records are not written there");
        } catch (RuntimeException ignored) {
            // the sink's failure must not end the run either
        }
    }

    /** Configures a {@link JsonlStepWriter}. */
    public static final class Builder {
        private final Path file;
        private Duration flushInterval = Duration.ofSeconds(1);
        private Consumer<String> warnings = System.err::println;
        private boolean append;

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        /** Flush at the first write at least this long after the last flush; default 1 s. */
        public Builder flushInterval(Duration d) {
            Objects.requireNonNull(d, "flushInterval");
            if (d.isNegative()) throw new IllegalArgumentException("flushInterval must be >= 0, got " + d);
            this.flushInterval = d;
            return this;
        }

        /** Append to an existing file instead of replacing it; default false. */
        public Builder append(boolean append) {
            this.append = append;
            return this;
        }

        /** Where the one-line write-error warning goes; default stderr. */
        public Builder warnings(Consumer<String> sink) {
            this.warnings = Objects.requireNonNull(sink, "warnings");
            return this;
        }

        /**
         * Creates the parent directories and opens the file.
         *
         * @throws IOException naming the file when it cannot be opened
         */
        public JsonlStepWriter open() throws IOException {
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                BufferedWriter w = append
                        ? Files.newBufferedWriter(
                                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                        : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                return new JsonlStepWriter(this, w);
            } catch (IOException e) {
                throw new IOException("cannot open metrics file " + file + " for writing: " + e.getMessage(), e);
            }
        }
    }
}
