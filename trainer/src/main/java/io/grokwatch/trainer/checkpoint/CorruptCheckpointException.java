package io.grokwatch.trainer.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read as one: wrong magic, truncated, a bad CRC, a broken header. */
public final class CorruptCheckpointException extends IOException {
    private final Path file;

    public CorruptCheckpointException(Path file, String problem) {
        super("checkpoint " + file + " is corrupt: " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
