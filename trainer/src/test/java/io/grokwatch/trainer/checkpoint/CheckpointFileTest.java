package io.grokwatch.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.task.Op;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file format: round trip, atomic write, and a clear message for every kind of damage. */
class CheckpointFileTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void oneThread() {
        Backend.threads(1);
    }

    private static final TrainConfig CFG = TrainConfig.builder()
            .name("file")
            .op(Op.MUL)
            .p(7)
            .trainFraction(0.5)
            .embedDim(4)
            .hidden(List.of(6))
            .batchSize(8)
            .grokfast(TrainConfig.Grokfast.EMA)
            .steps(5)
            .evalEvery(5)
            .build();

    /** A checkpoint of a run after 5 steps, written by the checkpointer at the end. */
    private Path written() {
        Path dir = tmp.resolve("ckpt");
        Checkpointer ckpt = Checkpointer.builder(dir)
                .run("file-run")
                .every(0)
                .messages(l -> {})
                .build();
        Trainer t = new Trainer(CFG, null);
        t.stepHook(ckpt);
        t.run();
        return ckpt.lastWritten().orElseThrow();
    }

    /**
     * A disk that fills up mid-write (the temp file is a link to /dev/full, which fails every write with ENOSPC): a
     * clear IOException, no checkpoint file and no temp file left, and the last good checkpoint still loads.
     */
    @Test
    void aFullDiskLeavesTheLastGoodCheckpointLoadable() throws IOException {
        Path full = Path.of("/dev/full");
        // CI must run it; a developer's machine without /dev/full skips it, saying why
        org.junit.jupiter.api.Assertions.assertFalse(
                "true".equalsIgnoreCase(System.getenv("CI")) && !Files.exists(full), "/dev/full is missing on CI");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "/dev/full is missing; no disk-full check");
        Trainer t = new Trainer(CFG, null, 3);
        Path dir = Files.createDirectories(tmp.resolve("full"));
        Path good = dir.resolve("step-0000000005.ckpt");
        CheckpointFile.write(good, TrainerState.capture(t, new Trainer.LoopState(5, -1, -1), "disk"));
        Path next = dir.resolve("step-0000000010.ckpt");
        Files.createSymbolicLink(dir.resolve("." + next.getFileName() + ".tmp"), full);

        assertThatThrownBy(() ->
                        CheckpointFile.write(next, TrainerState.capture(t, new Trainer.LoopState(10, -1, -1), "disk")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("No space left on device");
        assertThat(next).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(f -> f.getFileName().toString()))
                    .containsExactly(good.getFileName().toString());
        }
        assertThat(CheckpointFile.read(good).run()).isEqualTo("disk");
    }

    @Test
    void roundTripKeepsHeaderAndBits() throws IOException {
        Trainer t = new Trainer(CFG, null, 3);
        Checkpoint c = TrainerState.capture(t, new Trainer.LoopState(0, -1, -1), "rt");
        Path f = tmp.resolve("rt.ckpt");
        CheckpointFile.write(f, c);
        Checkpoint back = CheckpointFile.read(f);
        assertThat(back.run()).isEqualTo("rt");
        assertThat(back.config()).isEqualTo(CFG);
        assertThat(back.params()).isEqualTo(c.params());
        assertThat(back.params().get(0)).isEqualTo(new Checkpoint.ParamShape("embed.weight", 7, 4));
        assertThat(back.optimizer()).isEqualTo("AdamW");
        assertThat(back.threads()).isEqualTo(3);
        assertThat(back.filters()).containsExactly("GrokfastEma");
        assertThat(back.tensors().keySet())
                .containsExactly(
                        "params",
                        "optimizer.step",
                        "optimizer.exp_avg",
                        "optimizer.exp_avg_sq",
                        "filters.0.grokfast_ema",
                        "filters.0.grokfast_started");
        c.tensors().forEach((k, v) -> {
            assertThat(back.tensors().get(k).data()).as(k).isEqualTo(v.data());
            assertThat(back.tensors().get(k).shape()).as(k).isEqualTo(v.shape());
            assertThat(back.tensors().get(k).dtype()).as(k).isEqualTo(v.dtype());
        });
        assertThat(back.sampler().draws()).isZero();
        assertThat(back.sampler().permutation()).isEqualTo(c.sampler().permutation());
        assertThat(Files.readAllBytes(f)).startsWith("GWCKPT1\n".getBytes());
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("rt.ckpt"); // no temp file left
        }
    }

    @Test
    void aFlippedDataByteIsNamedByTensor() throws IOException {
        Path f = written();
        long size = Files.size(f);
        flip(f, size - 1); // the last byte belongs to the sampler's permutation, the last tensor
        assertThatThrownBy(() -> CheckpointFile.read(f))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessage("checkpoint " + f
                        + " is corrupt: tensor 'sampler.permutation' fails its CRC-32C check (the file was damaged)");
    }

    @Test
    void aFlippedHeaderByteFailsTheHeaderCrc() throws IOException {
        Path f = written();
        flip(f, 40);
        assertThatThrownBy(() -> CheckpointFile.read(f))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessage("checkpoint " + f + " is corrupt: header CRC-32C mismatch (the file was damaged)");
    }

    @Test
    void truncationAndForeignFilesAreNamed() throws IOException {
        Path f = written();
        long size = Files.size(f);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size - 10);
        }
        assertThatThrownBy(() -> CheckpointFile.read(f))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageMatching("checkpoint .* is corrupt: the file has " + (size - 10)
                        + " bytes, the header describes " + size + " \\(truncated\\)");

        Path text = Files.writeString(tmp.resolve("notes.ckpt"), "these are my notes, not a checkpoint");
        assertThatThrownBy(() -> CheckpointFile.read(text))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageEndingWith(
                        "is corrupt: it does not start with the checkpoint magic GWCKPT1 (not a grokwatch checkpoint?)");
        Path tiny = Files.write(tmp.resolve("tiny.ckpt"), new byte[3]);
        assertThatThrownBy(() -> CheckpointFile.read(tiny))
                .hasMessageEndingWith("is corrupt: only 3 bytes, not a grokwatch checkpoint");
    }

    @Test
    void directoryResolvesToTheLatestAndSaysWhenEmpty() throws IOException {
        Path f = written();
        Path dir = f.getParent();
        assertThat(CheckpointDirectory.resolve(dir)).isEqualTo(f);
        assertThat(CheckpointDirectory.resolve(f)).isEqualTo(f);
        assertThat(CheckpointDirectory.stepOf(f)).isEqualTo(5);
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> CheckpointDirectory.resolve(empty))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("the directory holds no checkpoint (step-*.ckpt)");
        assertThatThrownBy(() -> CheckpointDirectory.resolve(tmp.resolve("nope")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("no such checkpoint file or directory");
    }

    @Test
    void aFailedWriteIsReportedAndTrainingGoesOn() throws IOException {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        List<String> lines = new java.util.ArrayList<>();
        Checkpointer ckpt = Checkpointer.builder(notADir.resolve("sub"))
                .run("f")
                .every(2)
                .messages(lines::add)
                .build();
        Trainer t = new Trainer(CFG, null);
        t.stepHook(ckpt);
        assertThat(t.run().lastStep()).isEqualTo(5);
        assertThat(ckpt.failed()).isEqualTo(3); // steps 2, 4 and the end
        assertThat(ckpt.written()).isZero();
        assertThat(lines)
                .hasSize(3)
                .allSatisfy(l -> assertThat(l)
                        .startsWith("grokwatch: cannot write checkpoint of step ")
                        .endsWith("; training continues"));
    }

    private static void flip(Path f, long at) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x01);
        }
    }
}
