package io.grokwatch.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PublishingListener} maps the trainer's callbacks to wire records, into a real .jsonl file and an in-memory sink. */
class PublishingListenerTest {
    @TempDir
    Path dir;

    /** An in-memory publisher: keeps what it is given. */
    static final class Collected implements EventPublisher {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void publish(Event event) {
            events.add(event);
        }

        @Override
        public PublishStats stats() {
            return new PublishStats(events.size(), events.size(), 0, 0, 0);
        }

        @Override
        public PublishStats close(Duration timeout) {
            return stats();
        }
    }

    private static StepMetrics metrics(long step, double trainLoss) {
        return new StepMetrics(
                step, trainLoss, 0.5, 2.0, 0.25, 12.5, Double.NaN, Double.POSITIVE_INFINITY, 1e-3, 40.0, 1000 + step);
    }

    @Test
    void stepsSnapshotsAndTheEndBecomeWireRecordsForEveryPublisher() throws IOException {
        Path file = dir.resolve("run.jsonl");
        Collected kafka = new Collected();
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (JsonlStepWriter jsonl = JsonlStepWriter.open(file)) {
            PublishingListener l = new PublishingListener("run-7", "add", 2, List.of(kafka, jsonl), warnings::add);
            l.onStep(metrics(0, 1.5));
            l.onStep(metrics(10, Double.NaN));
            l.onSnapshot(10, new float[][] {{1, 2}, {3, 4}});
            l.onStep(new StepMetrics(20, 1, 1.5, 1, 1, 1, 1, 1, 1, 1, 1)); // accuracy 1.5: skipped, warned
            l.onStep(new StepMetrics(30, 1, 2.5, 1, 1, 1, 1, 1, 1, 1, 1)); // skipped, not warned again
            l.stopRequestedBy(new ControlCommand("run-7", "cmd-9", ControlCommand.Command.STOP, 5, "plateau"));
            l.onFinish(new Outcome(Outcome.Status.STOPPED, "stop requested at step 10", 10, 0, -1, null));
        }
        assertThat(kafka.events).hasSize(4);
        assertThat(kafka.events.get(0))
                .isEqualTo(new StepRecord("run-7", 0, 1.5, 0.5, 2.0, 0.25, 1000L, 12.5, null, null, 1e-3, 40.0));
        assertThat(((StepRecord) kafka.events.get(1)).trainLoss()).isNaN();
        EmbeddingSnapshot snap = (EmbeddingSnapshot) kafka.events.get(2);
        assertThat(snap.data()).containsExactly(1, 2, 3, 4);
        assertThat(snap.task()).isEqualTo("add");
        assertThat(snap.modulus()).isEqualTo(2);
        RunFinished end = (RunFinished) kafka.events.get(3);
        assertThat(end.status()).isEqualTo(RunFinished.Status.STOPPED);
        assertThat(end.reason()).isEqualTo("stop command cmd-9: plateau");
        assertThat(end.lastStep()).isEqualTo(10);
        assertThat(Files.readAllLines(file))
                .map(EventCodec::decode)
                .containsExactly(kafka.events.get(0), kafka.events.get(1));
        assertThat(warnings).singleElement().asString().contains("trainAcc", "skipped");
    }

    @Test
    void grokkedIsACompletedRunAndFailedKeepsItsReason() {
        PublishingListener l = new PublishingListener("r", "add", 53, List.of(), w -> {});
        RunFinished grokked =
                l.finished(new Outcome(Outcome.Status.GROKKED, "val accuracy 0.99 >= 0.99", 4500, 15, 4400, null));
        assertThat(grokked.status()).isEqualTo(RunFinished.Status.COMPLETED);
        assertThat(grokked.reason()).isEqualTo("grokked: val accuracy 0.99 >= 0.99");
        RunFinished failed =
                l.finished(new Outcome(Outcome.Status.FAILED, "train loss NaN at step 7", 7, -1, -1, null));
        assertThat(failed.status()).isEqualTo(RunFinished.Status.FAILED);
        assertThat(failed.reason()).isEqualTo("train loss NaN at step 7");
    }
}
