package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two instances in one group on a 6-partition topic; one stops midway; every run is classified once. */
class ScaleOutTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static final String GROUP = "scale-test";
    private static final SyntheticRuns.Shape[] SHAPES = {
        SyntheticRuns.Shape.GROKKING, SyntheticRuns.Shape.COMPREHENSION, SyntheticRuns.Shape.MEMORIZATION
    };

    @Test
    void partitionsMoveToTheSurvivorAndEveryRunIsClassifiedOnce() throws Exception {
        kafka = KafkaTestSupport.startBroker(6);
        assertThat(kafka.partitions()).isEqualTo(6);
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            String run = "scale-" + i;
            runs.put(run, SyntheticRuns.steps(run, SHAPES[i % SHAPES.length], 200, 500 + i));
        }
        int total = runs.values().stream().mapToInt(List::size).sum();

        AnalyzerService a = service(servers, "scale-a");
        AnalyzerService b = service(servers, "scale-b");
        try {
            KafkaTestSupport.awaitMembers(servers, GROUP, 2, Duration.ofSeconds(60));
            // Paced like live trainers (about 4 s), so b is stopped in the middle of the runs.
            CompletableFuture<Void> ingest =
                    CompletableFuture.runAsync(() -> KafkaTestSupport.produceInterleaved(servers, runs, total / 4.0));
            // Stop b once both are working, about a quarter of the way in.
            KafkaTestSupport.await(
                    "both instances to commit records",
                    Duration.ofSeconds(60),
                    () -> a.stats().snapshot().recordsIn() > 0
                            && b.stats().snapshot().recordsIn() > 0
                            && a.stats().snapshot().recordsIn()
                                            + b.stats().snapshot().recordsIn()
                                    >= total / 4);
            b.close();
            long bIn = b.stats().snapshot().recordsIn();
            ingest.get();
            KafkaTestSupport.awaitCaughtUp(servers, GROUP, List.of(Topics.METRICS), Duration.ofSeconds(90));
            assertThat(bIn).isLessThan(total);
            // Counted at commit only: records whose transaction aborted in the handover are not in here.
            assertThat(a.stats().snapshot().recordsIn() + bIn).isEqualTo(total);
        } finally {
            a.close();
            b.close();
        }

        Map<String, List<Event>> committed = KafkaTestSupport.committedEvents(servers, runs.keySet());
        Map<String, List<String>> expected = KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults());
        Map<String, List<String>> actual = new LinkedHashMap<>();
        runs.keySet().forEach(run -> actual.put(run, KafkaTestSupport.outcome(committed.getOrDefault(run, List.of()))));
        assertThat(actual).isEqualTo(expected);
        // Spelled out: each run's terminal transition is on the topic exactly once.
        Set<String> terminal = Set.of("GROKKED", "COMPREHENDED", "MEMORIZED");
        for (String run : runs.keySet()) {
            List<Transition> transitions = committed.get(run).stream()
                    .filter(e -> e instanceof Transition)
                    .map(e -> (Transition) e)
                    .collect(Collectors.toList());
            Transition last = transitions.get(transitions.size() - 1);
            assertThat(terminal).contains(last.to().name());
            assertThat(transitions.stream().filter(t -> t.to() == last.to()).count())
                    .as(run)
                    .isEqualTo(1);
        }
    }

    private static AnalyzerService service(String servers, String instance) {
        return AnalyzerService.builder()
                .bootstrapServers(servers)
                .groupId(GROUP)
                .instanceId(instance)
                .maxPollRecords(100)
                .build()
                .start();
    }
}
