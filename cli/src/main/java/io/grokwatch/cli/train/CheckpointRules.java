package io.grokwatch.cli.train;

import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.checkpoint.CheckpointDirectory;
import io.grokwatch.trainer.checkpoint.CheckpointFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Where {@code grokwatch train} resumes from and writes checkpoints, and the rules that keep one history per directory. */
final class CheckpointRules {
    private final CommandLine cli;
    private final Path resume;

    CheckpointRules(CommandLine cli, Path resume) {
        this.cli = cli;
        this.resume = resume;
    }

    /** The checkpoint --resume names (a file, or the latest in a directory), or null without --resume. */
    Checkpoint readResumeCheckpoint() throws IOException {
        if (resume == null) return null;
        Path file;
        try {
            file = CheckpointDirectory.resolve(resume);
        } catch (NoSuchFileException e) {
            throw usage("--resume " + resume + ": " + e.getReason()
                    + "; pass a checkpoint file or a --checkpoint-dir of an earlier run");
        }
        try {
            return CheckpointFile.read(file);
        } catch (IOException e) {
            throw new IOException(
                    "cannot resume: " + e.getMessage() + "; resume from an earlier checkpoint in "
                            + file.toAbsolutePath().getParent(),
                    e);
        }
    }

    /** --checkpoint-dir, else with --resume the checkpoint's directory, else null (no checkpoints). */
    Path directory(Path checkpointDir) {
        if (checkpointDir != null) return checkpointDir;
        if (resume == null) return null;
        return Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
    }

    /**
     * A directory must hold one line of history, or a later --resume DIR would pick up the wrong checkpoint: a fresh
     * run needs one without checkpoints, a resumed run one without checkpoints past its starting step.
     */
    void requireUsable(Path dir, Checkpoint from) throws IOException {
        if (dir == null) return;
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw usage("--checkpoint-dir " + dir + " is a file; pass a directory");
        }
        if (from != null) {
            Optional<Path> latest = new CheckpointDirectory(dir).latest();
            if (latest.isPresent() && CheckpointDirectory.stepOf(latest.get()) > from.step()) {
                throw usage("--resume " + resume + ": " + dir + " already holds a later checkpoint ("
                        + latest.get().getFileName()
                        + "); pass --checkpoint-dir with another directory, or resume from the latest");
            }
            return;
        }
        if (!new CheckpointDirectory(dir).list().isEmpty()) {
            throw usage("--checkpoint-dir " + dir + " already holds checkpoints; pass --resume " + dir
                    + " to continue that run, or an empty directory for a new one");
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(cli, message);
    }
}
