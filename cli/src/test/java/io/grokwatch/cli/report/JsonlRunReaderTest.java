package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlRunReaderTest {
    @TempDir
    Path dir;

    private Path file(String... lines) throws Exception {
        Path f = dir.resolve("run.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    private static String step(String run, long step) {
        return EventCodec.encodeToString(StepRecord.of(run, step, 1.0, 0.5, 2.0, 0.1));
    }

    @Test
    void readsTheOnlyRunSortedAndDeduplicated() throws Exception {
        Path f = file(
                step("a", 3),
                "",
                step("a", 1),
                step("a", 3),
                EventCodec.encodeToString(new Alert("a", AlertKind.GROKKED, 3, 3, 0, 0.95, "ignored, recomputed")));

        RunRecords r = JsonlRunReader.read(f, null);

        assertThat(r.run()).isEqualTo("a");
        assertThat(r.steps()).extracting(StepRecord::step).containsExactly(1L, 3L);
        assertThat(r.snapshots()).isEmpty();
    }

    @Test
    void severalRunsNeedAChoice() throws Exception {
        Path f = file(step("a", 1), step("b", 1), step("b", 2));

        assertThatThrownBy(() -> JsonlRunReader.read(f, null))
                .hasMessage(f + " holds runs [a, b]; choose one with --run");
        assertThat(JsonlRunReader.read(f, "b").steps()).hasSize(2);
    }

    @Test
    void aBadLineIsNamedByNumber() throws Exception {
        Path f = file(step("a", 1), "{\"type\":\"step\",\"run\":\"a\",\"step\":2}");

        assertThatThrownBy(() -> JsonlRunReader.read(f, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ":2: ")
                .hasMessageContaining("trainLoss");
    }

    @Test
    void anUnknownRunIsAnError() throws Exception {
        Path f = file(step("a", 1));
        assertThatThrownBy(() -> JsonlRunReader.read(f, "zzz"))
                .hasMessage(f + " holds no step records of run 'zzz' (runs in it: [a])");
    }
}
