package io.grokwatch.trainer.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's checkpoint directory: files {@code step-0000001000.ckpt}, one per checkpointed step; the latest is the
 * one with the highest step.
 *
 * <pre>{@code Path latest = new CheckpointDirectory(dir).latest().orElseThrow();}</pre>
 */
public final class CheckpointDirectory {
    private static final Pattern NAME = Pattern.compile("step-(\\d{10,})\\.ckpt");
    private static final Pattern TEMP = Pattern.compile("\\.step-(\\d{10,})\\.ckpt\\.tmp");
    private final Path dir;

    public CheckpointDirectory(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    /** Where the checkpoint of {@code step} goes. */
    public Path fileFor(long step) {
        return dir.resolve(String.format("step-%010d.ckpt", step));
    }

    /** Checkpoint files, lowest step first; empty if the directory does not exist. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .forEach(out::add);
        }
        out.sort(Comparator.comparingLong(CheckpointDirectory::stepOf));
        return out;
    }

    /** The checkpoint with the highest step, if any. */
    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Deletes all but the {@code keep} newest checkpoints (and temp files a crash left behind); returns how many went. */
    public int prune(int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> all = list();
        int deleted = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> TEMP.matcher(p.getFileName().toString()).matches())
                    .toList()) {
                Files.deleteIfExists(p);
            }
        }
        for (int i = 0; i < all.size() - keep; i++) {
            if (Files.deleteIfExists(all.get(i))) {
                deleted++;
            }
        }
        return deleted;
    }

    /**
     * A checkpoint file given either itself or its directory (then the latest in it).
     *
     * @throws NoSuchFileException if the path does not exist, or the directory holds no checkpoint
     */
    public static Path resolve(Path fileOrDir) throws IOException {
        if (Files.isRegularFile(fileOrDir)) {
            return fileOrDir;
        }
        if (!Files.isDirectory(fileOrDir)) {
            throw new NoSuchFileException(fileOrDir.toString(), null, "no such checkpoint file or directory");
        }
        return new CheckpointDirectory(fileOrDir)
                .latest()
                .orElseThrow(() -> new NoSuchFileException(
                        fileOrDir.toString(), null, "the directory holds no checkpoint (step-*.ckpt)"));
    }

    /** The step in a checkpoint file's name, or -1 if the name is not a checkpoint's. */
    public static long stepOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
