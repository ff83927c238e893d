package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Phase;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** run_finished on grokwatch.runs ends the run's detector: its last evaluations are smoothed and published once. */
class RunFinishedTest {
    private static final String GROUP = "finish-test";
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    @Test
    void aTransitionCompletedByTheLastEvaluationIsPublishedOnceTheRunFinishesAndOnlyOnce() throws Exception {
        String run = "finish-comprehension";
        List<StepRecord> steps = prefixWhoseLastEvaluationCompletesATransition(run);
        RunDetector offline = new RunDetector(run, DetectorConfig.defaults());
        List<Event> whileRunning = new ArrayList<>();
        for (StepRecord s : steps) whileRunning.addAll(offline.accept(s, 0));
        List<Event> atFinish = offline.finish(0);
        assertThat(atFinish).anyMatch(e -> e instanceof Transition t && t.to() == Phase.COMPREHENDED);
        assertThat(whileRunning).noneMatch(e -> e instanceof Transition t && t.to() == Phase.COMPREHENDED);

        kafka = KafkaTestSupport.startBroker(3);
        String servers = kafka.bootstrapServers();
        try (AnalyzerService analyzer = AnalyzerService.builder()
                .bootstrapServers(servers)
                .groupId(GROUP)
                .instanceId("finish-1")
                .maxPollRecords(100)
                .build()
                .start()) {
            KafkaTestSupport.produceInterleaved(servers, Map.of(run, steps));
            KafkaTestSupport.awaitCaughtUp(servers, GROUP, List.of(Topics.METRICS), Duration.ofSeconds(60));
            // Every step is in, but the last evaluation's smoothing window is still open: no transition yet.
            assertThat(committedOutcome(servers, run)).isEqualTo(KafkaTestSupport.outcome(whileRunning));

            // Sent twice, as a trainer that retries might: the second finds nothing left to finish.
            RunFinished finished = new RunFinished(
                    run,
                    1_700_000_000_000L,
                    RunFinished.Status.COMPLETED,
                    "",
                    steps.get(steps.size() - 1).step());
            try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
                p.send(new ProducerRecord<>(Topics.RUNS, run, EventCodec.encode(finished)))
                        .get();
                p.send(new ProducerRecord<>(Topics.RUNS, run, EventCodec.encode(finished)))
                        .get();
            }
            KafkaTestSupport.awaitCaughtUp(
                    servers, GROUP, List.of(Topics.METRICS, Topics.RUNS), Duration.ofSeconds(60));
        }
        List<Event> expected = new ArrayList<>(whileRunning);
        expected.addAll(atFinish);
        assertThat(committedOutcome(servers, run)).isEqualTo(KafkaTestSupport.outcome(expected));
    }

    private static List<String> committedOutcome(String servers, String run) {
        return KafkaTestSupport.outcome(
                KafkaTestSupport.committedEvents(servers, Set.of(run)).getOrDefault(run, List.of()));
    }

    /**
     * The shortest prefix of a comprehension run whose finish() emits the COMPREHENDED (or GROKKED)
     * transition: validation reaches its threshold at the very last evaluation, so only the
     * smoothing of that evaluation at the end of the run can confirm it.
     */
    private static List<StepRecord> prefixWhoseLastEvaluationCompletesATransition(String run) {
        List<StepRecord> all = SyntheticRuns.steps(run, SyntheticRuns.Shape.COMPREHENSION, 400, 3);
        for (int n = 3; n <= all.size(); n++) {
            RunDetector d = new RunDetector(run, DetectorConfig.defaults());
            for (StepRecord s : all.subList(0, n)) d.accept(s, 0);
            if (d.finish(0).stream()
                    .anyMatch(e ->
                            e instanceof Transition t && (t.to() == Phase.COMPREHENDED || t.to() == Phase.GROKKED))) {
                return List.copyOf(all.subList(0, n));
            }
        }
        throw new AssertionError("no prefix of " + run + " ends with a transition that only finish() completes");
    }
}
