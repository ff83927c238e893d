package io.grokwatch.trainer.checkpoint;

import io.grokwatch.trainer.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Writes a run's checkpoints from the training loop: every {@code every} steps, when asked ({@link #requestNow},
 * e.g. by a CONTROL CHECKPOINT command), and at the end of the run (last step, stop, stop-after-grok).
 *
 * <pre>{@code
 * Checkpointer ckpt = Checkpointer.builder(Path.of("ckpt/run-42")).run("run-42").every(1000).keep(3).build();
 * trainer.stepHook(ckpt);
 * control.onCheckpoint(cmd -> ckpt.requestNow(cmd.id()));
 * }</pre>
 *
 * <p>Writes happen on the training thread at the top of a step (a few milliseconds for the MLP presets, the size
 * of the parameters and optimizer buffers in bytes). A write that fails does not stop the run: it is reported on
 * the message sink and counted. Never throws from the hook.
 */
public final class Checkpointer implements Trainer.StepHook {
    private final CheckpointDirectory dir;
    private final String run;
    private final long every;
    private final int keep;
    private final Consumer<String> messages;
    private final AtomicReference<String> request = new AtomicReference<>();
    private long firstStep = -1; // training thread only
    private long lastWrittenStep = -1;
    private volatile Path lastWritten;
    private volatile int written;
    private volatile int failed;

    private Checkpointer(Builder b) {
        this.dir = new CheckpointDirectory(b.dir);
        this.run = b.run;
        this.every = b.every;
        this.keep = b.keep;
        this.messages = b.messages;
    }

    /** Starts configuring a checkpointer that writes into {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Asks for a checkpoint at the top of the next step; safe from any thread. {@code why} names the requester. */
    public void requestNow(String why) {
        request.set(why == null ? "request" : why);
    }

    public CheckpointDirectory directory() {
        return dir;
    }

    /** The last checkpoint written, if any. */
    public Optional<Path> lastWritten() {
        return Optional.ofNullable(lastWritten);
    }

    public int written() {
        return written;
    }

    public int failed() {
        return failed;
    }

    @Override
    public void atStepStart(Trainer trainer, Trainer.LoopState state, boolean ending) {
        long step = state.step();
        if (firstStep < 0) {
            firstStep = step;
        }
        String why = request.getAndSet(null);
        boolean periodic = every > 0 && step % every == 0 && step > firstStep;
        if (why == null && !periodic && !ending) {
            return;
        }
        if (step == lastWrittenStep) {
            if (why != null) {
                say("grokwatch: checkpoint of step " + step + " (" + why + ") is already written: " + lastWritten);
            }
            return;
        }
        Path file = dir.fileFor(step);
        try {
            CheckpointFile.write(file, TrainerState.capture(trainer, state, run));
            lastWrittenStep = step;
            lastWritten = file;
            written++;
            dir.prune(keep);
            if (why != null) {
                say("grokwatch: checkpoint of step " + step + " written to " + file + " (" + why + ")");
            }
        } catch (IOException | RuntimeException e) {
            failed++;
            say("grokwatch: cannot write checkpoint of step " + step + " to " + file + " (" + e
                    + "); training continues");
        }
    }

    private void say(String line) {
        try {
            messages.accept(line);
        } catch (RuntimeException ignored) {
            // a broken sink must not stop training
        }
    }

    /** Configures a {@link Checkpointer}. */
    public static final class Builder {
        private final Path dir;
        private String run = "run";
        private long every = 1000;
        private int keep = 3;
        private Consumer<String> messages = System.err::println;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** The run id written into each checkpoint. */
        public Builder run(String run) {
            if (run == null || run.isBlank()) {
                throw new IllegalArgumentException("run must be a non-empty run id, got '" + run + "'");
            }
            this.run = run;
            return this;
        }

        /** Steps between periodic checkpoints; 0 writes only on request and at the end. Default 1000. */
        public Builder every(long steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("every must be >= 0, got " + steps);
            }
            this.every = steps;
            return this;
        }

        /** How many checkpoints to keep in the directory, newest first; default 3. */
        public Builder keep(int keep) {
            if (keep < 1) {
                throw new IllegalArgumentException("keep must be >= 1, got " + keep);
            }
            this.keep = keep;
            return this;
        }

        /** Where the lines about requested checkpoints and failed writes go; default stderr. */
        public Builder messages(Consumer<String> sink) {
            this.messages = Objects.requireNonNull(sink, "messages");
            return this;
        }

        public Checkpointer build() {
            return new Checkpointer(this);
        }
    }
}
