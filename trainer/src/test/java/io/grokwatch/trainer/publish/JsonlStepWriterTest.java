package io.grokwatch.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.EventCodec;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JsonlStepWriter}, {@link Records} and {@link NoKafka}: the publishers and helpers that need no broker. */
class JsonlStepWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesOneCodecLinePerStepIgnoresOtherTypesAndFlushesAtRunFinished() throws IOException {
        Path file = dir.resolve("out/run.jsonl");
        String run = "jsonl";
        List<StepRecord> steps = new ArrayList<>();
        try (JsonlStepWriter out =
                JsonlStepWriter.builder(file).flushInterval(Duration.ofDays(1)).open()) {
            out.publish(RunPublisherTest.runStarted(run));
            for (long s = 0; s < 200; s++) {
                StepRecord r = RunPublisherTest.step(run, s); // step 150 has NaN/Infinity losses
                steps.add(r);
                out.publish(r);
                if (s == 100) out.publish(RunPublisherTest.snapshot(run, s, new Random(3)));
            }
            out.publish(new RunFinished(run, System.currentTimeMillis(), RunFinished.Status.COMPLETED, "", 199));
            // Flushed by run_finished although the interval (a day) has not passed.
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            assertThat(lines).hasSize(200);
            assertThat(lines.get(150))
                    .contains("\"trainLoss\":NaN", "\"valLoss\":Infinity")
                    .doesNotContain("gradNorm");
            assertThat(lines).map(l -> (StepRecord) EventCodec.decode(l)).containsExactlyElementsOf(steps);
            assertThat(lines)
                    .isEqualTo(steps.stream().map(EventCodec::encodeToString).toList());
            assertThat(out.stats()).isEqualTo(new PublishStats(200, 200, 0, 0, 0));
        }
    }

    @Test
    void flushesOnTheFirstWriteAfterTheInterval() throws IOException {
        Path file = dir.resolve("run.jsonl");
        try (JsonlStepWriter out =
                JsonlStepWriter.builder(file).flushInterval(Duration.ZERO).open()) {
            out.publish(RunPublisherTest.step("r", 0));
            assertThat(Files.readAllLines(file)).hasSize(1);
            out.publish(RunPublisherTest.step("r", 1));
            assertThat(Files.readAllLines(file)).hasSize(2);
        }
    }

    @Test
    void aWriteErrorWarnsOnceAndCountsFailuresWithoutThrowing() throws IOException {
        Path full = Path.of("/dev/full"); // every write fails with "No space left on device"
        Assumptions.assumeTrue(Files.isWritable(full), "needs Linux's /dev/full to make writes fail");
        List<String> warnings = new CopyOnWriteArrayList<>();
        JsonlStepWriter out = JsonlStepWriter.builder(full)
                .flushInterval(Duration.ZERO)
                .warnings(warnings::add)
                .open();
        for (long s = 0; s < 3; s++) out.publish(RunPublisherTest.step("r", s));
        assertThat(out.close(Duration.ZERO)).isEqualTo(new PublishStats(3, 0, 0, 3, 0));
        assertThat(warnings)
                .singleElement()
                .asString()
                .startsWith("grokwatch: cannot write /dev/full (")
                .endsWith("); training continues, further step records are not written there");
    }

    @Test
    void aRecordPublishedAfterCloseCountsAsFailed() throws IOException {
        Path file = dir.resolve("closed.jsonl");
        JsonlStepWriter out = JsonlStepWriter.open(file);
        out.publish(RunPublisherTest.step("r", 0));
        out.close();
        out.publish(RunPublisherTest.step("r", 1));
        assertThat(out.stats()).isEqualTo(new PublishStats(2, 1, 0, 1, 0));
        assertThat(Files.readAllLines(file)).hasSize(1);
    }

    @Test
    void openNamesTheFileItCannotOpen() throws IOException {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        Path file = blocker.resolve("run.jsonl");
        assertThatThrownBy(() -> JsonlStepWriter.open(file))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot open metrics file " + file + " for writing: ");
    }

    @Test
    void recordsDropNonFiniteOptionalMetricsAndKeepNonFiniteLosses() {
        StepRecord r = Records.step("r", 5)
                .train(Double.NaN, 0.5)
                .val(Double.NEGATIVE_INFINITY, 0.25)
                .time(123)
                .weightNorm(Double.POSITIVE_INFINITY)
                .weightDistance(0.5)
                .gradNorm(Double.NaN)
                .lr(1e-3)
                .stepsPerSecond(Double.NaN)
                .build();
        assertThat(r)
                .isEqualTo(new StepRecord(
                        "r", 5, Double.NaN, 0.5, Double.NEGATIVE_INFINITY, 0.25, 123L, null, 0.5, null, 1e-3, null));
        assertThatThrownBy(() -> Records.step("r", 1).train(1, 1).build())
                .hasMessage("step 1 of run r: val(loss, acc) not set");
        assertThatThrownBy(() -> Records.step("r", 1).train(1, 1.5).val(1, 1).build())
                .hasMessage("field 'trainAcc': accuracy must be in [0,1], got 1.5");
    }

    @Test
    void snapshotsFlattenRowMajorAndRejectRaggedRows() {
        var s = Records.snapshot("r", 10, 5, "add", 3, new float[][] {{1, 2}, {3, 4}, {5, 6}});
        assertThat(s.rows()).isEqualTo(3);
        assertThat(s.cols()).isEqualTo(2);
        assertThat(s.data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(s.get(2, 1)).isEqualTo(6f);
        assertThatThrownBy(() -> Records.snapshot("r", 10, 5, "add", 3, new float[][] {{1, 2}, {3}}))
                .hasMessage("embedding row 1 has 1 columns, row 0 has 2");
    }

    @Test
    void noKafkaAcceptsEverythingAndCountsNothing() {
        NoKafka.INSTANCE.publish(RunPublisherTest.step("r", 0));
        assertThat(NoKafka.INSTANCE.stats()).isEqualTo(PublishStats.EMPTY);
        assertThat(NoKafka.INSTANCE.close(Duration.ZERO)).isEqualTo(PublishStats.EMPTY);
        assertThatThrownBy(() -> NoKafka.INSTANCE.publish(null)).isInstanceOf(NullPointerException.class);
    }
}
