package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.bench.SyntheticRuns.Shape;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The live analyzer and the detector fed directly give the same transitions and alerts. */
class KafkaMatchesOfflineTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    @Test
    void sameStepsGiveSameTransitionsThroughKafkaAsOffline() throws Exception {
        kafka = KafkaTestSupport.startBroker(3);
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = new LinkedHashMap<>();
        int i = 0;
        for (Shape shape : Shape.values()) {
            for (int k = 0; k < 2; k++, i++) {
                String run = "offline-" + shape.name().toLowerCase() + "-" + k;
                runs.put(run, SyntheticRuns.steps(run, shape, 300, i));
            }
        }
        List<EmbeddingSnapshot> snapshots = snapshots("offline-grokking-0", 3);
        List<Event> received = new ArrayList<>();

        try (AnalyzerService analyzer = AnalyzerService.builder()
                .bootstrapServers(servers)
                .groupId("offline-test")
                .instanceId("offline-1")
                .maxPollRecords(200)
                .listener(e -> {
                    synchronized (received) {
                        received.add(e);
                    }
                })
                .build()
                .start()) {
            KafkaTestSupport.produceInterleaved(servers, runs);
            try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
                for (EmbeddingSnapshot s : snapshots)
                    p.send(new ProducerRecord<>(Topics.EMBEDDINGS, s.run(), EventCodec.encode(s)));
            }
            KafkaTestSupport.awaitCaughtUp(
                    servers, "offline-test", List.of(Topics.METRICS, Topics.EMBEDDINGS), Duration.ofSeconds(60));
            assertThat(analyzer.stats().snapshot().recordsIn())
                    .isGreaterThanOrEqualTo(runs.size() * 300L + snapshots.size());
        }

        Map<String, List<Event>> committed = KafkaTestSupport.committedEvents(servers, runs.keySet());
        Map<String, List<String>> expected = KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults());
        Map<String, List<String>> actual = new LinkedHashMap<>();
        runs.keySet().forEach(run -> actual.put(run, KafkaTestSupport.outcome(committed.getOrDefault(run, List.of()))));
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.get("offline-grokking-0")).anyMatch(line -> line.contains("GENERALIZING->GROKKED"));

        // Snapshots come back as structure analyses (the analysis time aside) on the run's key.
        List<StructureAnalysis> analyses = committed.get("offline-grokking-0").stream()
                .filter(e -> e instanceof StructureAnalysis)
                .map(e -> (StructureAnalysis) e)
                .collect(Collectors.toList());
        assertThat(analyses).hasSize(snapshots.size());
        for (int k = 0; k < snapshots.size(); k++) {
            StructureAnalysis direct = StructureAnalyzer.analyze(
                    snapshots.get(k),
                    StructureAnalyzer.DEFAULT_TOP_K,
                    analyses.get(k).time());
            assertThat(analyses.get(k)).isEqualTo(direct);
        }
        // The listener heard exactly the committed outputs of these runs.
        synchronized (received) {
            assertThat(KafkaTestSupport.outcome(received).size())
                    .isEqualTo(expected.values().stream().mapToInt(List::size).sum());
        }
    }

    /** Snapshots of a 7-token embedding (modulus 7) at a few steps. */
    static List<EmbeddingSnapshot> snapshots(String run, int n) {
        SplittableRandom rnd = new SplittableRandom(11);
        List<EmbeddingSnapshot> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] data = new float[7 * 8];
            for (int j = 0; j < data.length; j++) data[j] = (float) rnd.nextGaussian();
            out.add(new EmbeddingSnapshot(run, 1000L * k, 1_700_000_000_000L + k, "add", 7, 7, 8, data));
        }
        return out;
    }
}
