package io.grokwatch.trainer.publish;

import static io.grokwatch.trainer.publish.KafkaTestSupport.await;
import static io.grokwatch.trainer.publish.KafkaTestSupport.events;
import static io.grokwatch.trainer.publish.KafkaTestSupport.readRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A whole synthetic run through {@link RunPublisher} to a real broker, and a broker that is never there. */
class RunPublisherTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().partitions(3).build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    static RunStarted runStarted(String run) {
        Map<String, Object> config = Map.of("task", "add", "modulus", 53, "lr", 0.03, "weightDecay", 0.03);
        return new RunStarted(
                run, System.currentTimeMillis(), "add", "mlp", config, Provenance.current(7, "sha256:abc", "CPU test"));
    }

    static StepRecord step(String run, long step) {
        return Records.step(run, step)
                .train(step == 150 ? Double.NaN : 1.0 / (step + 1), Math.min(1.0, step / 100.0))
                .val(step == 150 ? Double.POSITIVE_INFINITY : 2.0 / (step + 1), Math.min(1.0, step / 200.0))
                .time(1_700_000_000_000L + step)
                .weightNorm(10 + step * 0.01)
                .gradNorm(step == 150 ? Double.NaN : 0.5)
                .lr(0.03)
                .build();
    }

    static EmbeddingSnapshot snapshot(String run, long step, Random rnd) {
        float[][] rows = new float[53][128];
        for (float[] row : rows) for (int c = 0; c < row.length; c++) row[c] = (float) rnd.nextGaussian();
        rows[0][0] = Float.MIN_VALUE; // a subnormal must survive bit-exactly too
        return Records.snapshot(run, step, 1_700_000_000_000L + step, "add", 53, rows);
    }

    @Test
    void aSyntheticRunArrivesInOrderOnItsTopicsWithSnapshotBytesIntact() throws Exception {
        String run = "synthetic-" + System.nanoTime();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Random rnd = new Random(42);
        RunStarted started = runStarted(run);
        List<StepRecord> steps = new ArrayList<>();
        List<EmbeddingSnapshot> snapshots = new ArrayList<>();
        PublishStats stats;
        try (RunPublisher out = RunPublisher.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .warnings(KafkaTestSupport.collectInto(warnings))
                .start()) {
            out.publish(started);
            for (long s = 0; s < 200; s++) {
                StepRecord r = step(run, s);
                steps.add(r);
                out.publish(r);
                if (s % 90 == 0) { // steps 0, 90, 180
                    EmbeddingSnapshot snap = snapshot(run, s, rnd);
                    snapshots.add(snap);
                    out.publish(snap);
                }
            }
            RunFinished finished =
                    new RunFinished(run, System.currentTimeMillis(), RunFinished.Status.COMPLETED, "", 199);
            out.publish(finished);
            stats = out.close(Duration.ofSeconds(30));

            assertThat(stats).isEqualTo(new PublishStats(205, 205, 0, 0, 0));
            assertThat(warnings).isEmpty();
            assertThat(events(readRun(kafka.bootstrapServers(), Topics.RUNS, run, 2, Duration.ofSeconds(30))))
                    .containsExactly(started, finished);
        }
        assertThat(events(readRun(kafka.bootstrapServers(), Topics.METRICS, run, 200, Duration.ofSeconds(30))))
                .containsExactlyElementsOf(steps);
        List<KafkaTestSupport.Read> snaps =
                readRun(kafka.bootstrapServers(), Topics.EMBEDDINGS, run, 3, Duration.ofSeconds(30));
        assertThat(events(snaps)).containsExactlyElementsOf(snapshots);
        for (int i = 0; i < 3; i++) {
            assertThat(snaps.get(i).value())
                    .as("wire bytes of snapshot %d", i)
                    .isEqualTo(EventCodec.encode(snapshots.get(i)));
            assertThat(((EmbeddingSnapshot) snaps.get(i).event()).data())
                    .isEqualTo(snapshots.get(i).data());
        }
        StepRecord diverged =
                (StepRecord) events(readRun(kafka.bootstrapServers(), Topics.METRICS, run, 200, Duration.ofSeconds(30)))
                        .get(150);
        assertThat(diverged.trainLoss()).isNaN();
        assertThat(diverged.valLoss()).isInfinite();
        assertThat(diverged.gradNorm())
                .as("non-finite optional metric is not sent")
                .isNull();
    }

    @Test
    void withNoBrokerPublishReturnsAtOnceDropsSnapshotsFirstWarnsOnceAndCloseReportsTheLoss() throws Exception {
        String run = "nobroker-" + System.nanoTime();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:" + KafkaTestSupport.freePort());
        props.put("max.block.ms", "300");
        RunPublisher out = RunPublisher.builder()
                .kafkaProperties(props)
                .bufferCapacity(8)
                .unreachableAfter(Duration.ofMillis(300))
                .warnings(KafkaTestSupport.collectInto(warnings))
                .start();
        Random rnd = new Random(1);
        List<Event> sent = new ArrayList<>();
        sent.add(runStarted(run));
        for (int i = 0; i < 8; i++) sent.add(snapshot(run, i, rnd));
        for (int i = 0; i < 4; i++) sent.add(step(run, i));
        sent.add(new RunFinished(run, System.currentTimeMillis(), RunFinished.Status.FAILED, "diverged", 3));
        for (Event e : sent) {
            long t0 = System.nanoTime();
            out.publish(e);
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("publish of %s", e)
                    .isLessThan(Duration.ofMillis(50));
        }
        // run_started holds 1 of 8; snapshots enter while fewer than 6 are held (5 in, 3 dropped);
        // steps while fewer than 8 (2 in, 2 dropped); run_finished always enters.
        PublishStats s = out.stats();
        assertThat(s).isEqualTo(new PublishStats(14, 0, 5, 0, 9));
        assertThat(out.buffer().droppedSnapshots()).isEqualTo(3);

        await(
                Duration.ofSeconds(20),
                () -> "unreachable warning, got " + warnings,
                () -> warnings.stream().anyMatch(w -> w.contains("is unreachable")));
        assertThat(out.isReachable()).isFalse();

        long t0 = System.nanoTime();
        PublishStats last = out.close(Duration.ofMillis(500));
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .as("close with a timeout of 500 ms")
                .isLessThan(Duration.ofSeconds(4));
        assertThat(last).isEqualTo(new PublishStats(14, 0, 5, 9, 0));
        assertThat(out.close(Duration.ZERO)).isSameAs(last);

        out.publish(step(run, 99));
        assertThat(out.stats().dropped())
                .as("a record published after close is dropped")
                .isEqualTo(6);

        String servers = props.getProperty("bootstrap.servers");
        assertThat(warnings)
                .filteredOn(w -> w.contains("unreachable"))
                .containsExactly("grokwatch: Kafka at " + servers
                        + " is unreachable; training continues, records are buffered (5 dropped so far)");
        assertThat(warnings).filteredOn(w -> w.contains("buffer is full")).hasSize(1);
        assertThat(warnings)
                .filteredOn(w -> w.contains("closed the Kafka publisher"))
                .singleElement()
                .asString()
                .contains("14 of 14 records not delivered", "5 dropped", "9 undelivered");
    }

    @Test
    void builderNamesWhatIsMissingOrWrong() {
        assertThatThrownBy(() -> RunPublisher.builder().start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Kafka setting bootstrap.servers is required (e.g. 127.0.0.1:9092)");
        assertThatThrownBy(() -> RunPublisher.builder().bufferCapacity(0))
                .hasMessage("bufferCapacity must be >= 1, got 0");
        Properties bad = new Properties();
        bad.put("bootstrap.servers", "127.0.0.1:9");
        bad.put("acks", "sometimes");
        assertThatThrownBy(() -> RunPublisher.builder().kafkaProperties(bad).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid Kafka producer settings:")
                .hasMessageContaining("acks");
    }
}
