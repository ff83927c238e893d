package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records that do not decode or validate go to the DLQ with where they came from; the rest is analyzed. */
class DeadLetterTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static final String RUN = "dlq-run";

    @Test
    void malformedRecordsGoToTheDlqAndTheGoodOnesAroundThemAreProcessed() throws Exception {
        kafka = KafkaTestSupport.startBroker(3);
        String servers = kafka.bootstrapServers();
        List<StepRecord> good = SyntheticRuns.steps(RUN, SyntheticRuns.Shape.GROKKING, 100, 3);
        String notJson = "{\"type\":\"step\",\"run\":\"dlq-run\",";
        String missingField =
                "{\"type\":\"step\",\"run\":\"dlq-run\",\"step\":15,\"trainLoss\":0.1,\"trainAcc\":0.5,\"valLoss\":2.0}";
        String badAccuracy = "{\"type\":\"step\",\"run\":\"dlq-run\",\"step\":15,\"trainLoss\":0.1,\"trainAcc\":0.5,"
                + "\"valLoss\":2.0,\"valAcc\":1.5}";
        Map<Integer, String> badAt = Map.of(10, notJson, 50, missingField, 80, badAccuracy);
        List<RecordMetadata> badSent = new ArrayList<>();

        try (AnalyzerService analyzer = AnalyzerService.builder()
                .bootstrapServers(servers)
                .groupId("dlq-test")
                .instanceId("dlq-1")
                .maxPollRecords(30)
                .build()
                .start()) {
            try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
                for (int i = 0; i < good.size(); i++) {
                    if (badAt.containsKey(i)) {
                        badSent.add(p.send(new ProducerRecord<>(
                                        Topics.METRICS, RUN, badAt.get(i).getBytes(StandardCharsets.UTF_8)))
                                .get());
                    }
                    p.send(new ProducerRecord<>(Topics.METRICS, RUN, EventCodec.encode(good.get(i))));
                }
            }
            KafkaTestSupport.awaitCaughtUp(servers, "dlq-test", List.of(Topics.METRICS), Duration.ofSeconds(60));
            assertThat(analyzer.stats().snapshot().dlq()).isEqualTo(3);
        }

        List<DlqRecord> dlq = KafkaTestSupport.readCommitted(servers, Topics.DLQ).stream()
                .filter(r -> RUN.equals(r.key()))
                .map(r -> EventCodec.decode(r.value(), DlqRecord.class))
                .sorted(Comparator.comparingLong(DlqRecord::offset))
                .collect(Collectors.toList());
        assertThat(dlq).hasSize(3);
        for (int k = 0; k < 3; k++) {
            assertThat(dlq.get(k).sourceTopic()).isEqualTo(Topics.METRICS);
            assertThat(dlq.get(k).partition()).isEqualTo(badSent.get(k).partition());
            assertThat(dlq.get(k).offset()).isEqualTo(badSent.get(k).offset());
            assertThat(dlq.get(k).run()).isEqualTo(RUN);
        }
        assertThat(dlq.get(0).payload()).isEqualTo(notJson);
        assertThat(dlq.get(0).error()).startsWith("not valid JSON");
        assertThat(dlq.get(1).error()).isEqualTo("field 'valAcc': is required");
        assertThat(dlq.get(2).error()).isEqualTo("field 'valAcc': accuracy must be in [0,1], got 1.5");

        // The good records all reached the detector: the run's outcome is the offline one.
        List<String> actual = KafkaTestSupport.outcome(
                KafkaTestSupport.committedEvents(servers, Set.of(RUN)).getOrDefault(RUN, List.of()));
        List<String> expected = KafkaTestSupport.offlineOutcome(Map.of(RUN, good), DetectorConfig.defaults())
                .get(RUN);
        assertThat(expected).anyMatch(l -> l.contains("GROKKED"));
        assertThat(actual).isEqualTo(expected);
    }
}
