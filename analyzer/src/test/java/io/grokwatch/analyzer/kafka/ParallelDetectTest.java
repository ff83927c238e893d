package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A backlog read in big batches, decoded and detected on several threads, gives the single-threaded output. */
class ParallelDetectTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    @Test
    void bigBatchesSplitOverThreadsGiveTheDetectorsOwnOutput() throws Exception {
        kafka = KafkaTestSupport.startBroker(2);
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = SyntheticRuns.runs("par-", 40, 300, 200);
        // The backlog exists before the analyzer starts, so its batches hold thousands of records.
        KafkaTestSupport.produceInterleaved(servers, runs);
        try (AnalyzerService analyzer = AnalyzerService.builder()
                .bootstrapServers(servers)
                .groupId("par-test")
                .instanceId("par-1")
                .maxPollRecords(6000)
                .detectThreads(3)
                .build()
                .start()) {
            KafkaTestSupport.awaitCaughtUp(servers, "par-test", List.of(Topics.METRICS), Duration.ofSeconds(60));
            var stats = analyzer.stats().snapshot();
            assertThat(stats.recordsIn()).isEqualTo(runs.size() * 300L);
            // Fewer transactions than 3,000-record batches would need: the batches were big enough to split.
            assertThat(stats.transactions()).isLessThanOrEqualTo(runs.size() * 300L / 3000);
        }
        Map<String, List<String>> expected = KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults());
        var committed = KafkaTestSupport.committedEvents(servers, runs.keySet());
        Map<String, List<String>> actual = new LinkedHashMap<>();
        runs.keySet().forEach(run -> actual.put(run, KafkaTestSupport.outcome(committed.getOrDefault(run, List.of()))));
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isGreaterThan(80);
    }
}
