package io.grokwatch.trainer.publish;

import static io.grokwatch.trainer.publish.KafkaTestSupport.await;
import static io.grokwatch.trainer.publish.KafkaTestSupport.events;
import static io.grokwatch.trainer.publish.KafkaTestSupport.readRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker goes away mid-run and comes back on the same port and data: training never waits, nothing doubles. */
class RunPublisherOutageTest {
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder()
                .dataDir(dataDir)
                .port(KafkaTestSupport.freePort())
                .partitions(3)
                .build()
                .start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static RunPublisher publisher(List<String> warnings, int capacity) {
        return RunPublisher.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .bufferCapacity(capacity)
                .unreachableAfter(Duration.ofSeconds(1))
                .warnings(KafkaTestSupport.collectInto(warnings))
                .start();
    }

    /** Publishes steps [from, to) and checks that no publish call waited. */
    private static void publishSteps(RunPublisher out, String run, long from, long to) {
        for (long s = from; s < to; s++) {
            StepRecord r = RunPublisherTest.step(run, s);
            long t0 = System.nanoTime();
            out.publish(r);
            // A sanity bound on "publish never waits for the broker", not a benchmark.
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("publish of step %d", s)
                    .isLessThan(Duration.ofMillis(50));
        }
    }

    private static List<Long> stepsOf(List<Event> events) {
        return events.stream().map(e -> ((StepRecord) e).step()).toList();
    }

    @Test
    void aBrokerStoppedMidRunWarnsOnceAndThenGetsEveryStepOnceInOrder() throws Exception {
        String run = "outage-" + System.nanoTime();
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (RunPublisher out = publisher(warnings, 10_000)) {
            out.publish(RunPublisherTest.runStarted(run));
            publishSteps(out, run, 0, 100);
            await(
                    DELIVERY,
                    () -> "first 101 records delivered, " + out.stats(),
                    () -> out.stats().delivered() == 101);

            kafka.stop();
            publishSteps(out, run, 100, 200);
            await(
                    Duration.ofSeconds(20),
                    () -> "unreachable warning, got " + warnings,
                    () -> warnings.stream().anyMatch(w -> w.contains("is unreachable")));
            assertThat(out.stats().pending()).isEqualTo(100);

            kafka.start();
            await(
                    DELIVERY,
                    () -> "all 201 records delivered after the restart, " + out.stats(),
                    () -> out.stats().delivered() == 201);
            out.publish(new RunFinished(run, System.currentTimeMillis(), RunFinished.Status.COMPLETED, "", 199));
            assertThat(out.close(Duration.ofSeconds(30))).isEqualTo(new PublishStats(202, 202, 0, 0, 0));
        }
        assertThat(warnings)
                .filteredOn(w -> w.contains("unreachable"))
                .containsExactly("grokwatch: Kafka at " + kafka.bootstrapServers()
                        + " is unreachable; training continues, records are buffered (0 dropped so far)");
        assertThat(warnings).filteredOn(w -> w.contains("reachable again")).hasSize(1);
        assertThat(warnings).hasSize(2);
        List<Event> read = events(readRun(kafka.bootstrapServers(), Topics.METRICS, run, 200, DELIVERY));
        assertThat(stepsOf(read))
                .as("every step once, in order")
                .containsExactlyElementsOf(LongStream.range(0, 200).boxed().toList());
    }

    @Test
    void aTinyBufferWithTheBrokerDownDropsExactlyWhatDidNotFitAndDeliversTheRest() throws Exception {
        String run = "tiny-" + System.nanoTime();
        List<String> warnings = new CopyOnWriteArrayList<>();
        PublishStats last;
        try (RunPublisher out = publisher(warnings, 20)) {
            out.publish(RunPublisherTest.runStarted(run));
            publishSteps(out, run, 0, 10);
            await(
                    DELIVERY,
                    () -> "first 11 records delivered, " + out.stats(),
                    () -> out.stats().delivered() == 11);

            kafka.stop();
            publishSteps(out, run, 10, 110);
            assertThat(out.stats()).as("20 held, the other 80 dropped").isEqualTo(new PublishStats(111, 11, 80, 0, 20));

            kafka.start();
            await(
                    DELIVERY,
                    () -> "the 20 held records delivered, " + out.stats(),
                    () -> out.stats().delivered() == 31);
            out.publish(new RunFinished(run, System.currentTimeMillis(), RunFinished.Status.STOPPED, "test", 109));
            last = out.close(Duration.ofSeconds(30));
        }
        assertThat(last).isEqualTo(new PublishStats(112, 32, 80, 0, 0));
        List<Long> arrived = stepsOf(events(readRun(kafka.bootstrapServers(), Topics.METRICS, run, 30, DELIVERY)));
        assertThat(arrived)
                .as("the first 30 steps, in order; the 80 that did not fit are gone")
                .containsExactlyElementsOf(LongStream.range(0, 30).boxed().toList());
        assertThat(arrived.size() + last.dropped()).isEqualTo(110);
        assertThat(events(readRun(kafka.bootstrapServers(), Topics.RUNS, run, 2, DELIVERY)))
                .extracting(Event::type)
                .containsExactly("run_started", "run_finished");
        assertThat(warnings).filteredOn(w -> w.contains("buffer is full")).hasSize(1);
        assertThat(warnings)
                .filteredOn(w -> w.contains("closed the Kafka publisher"))
                .singleElement()
                .asString()
                .contains("80 of 112 records not delivered");
    }
}
