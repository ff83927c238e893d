package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.bench.SyntheticRuns.Shape;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.policy.PolicyReplay;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.analyzer.policy.StopPolicy;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The live analyzer's --auto-stop and the offline replay stop the same runs with the same reasons. */
class LiveStopMatchesReplayTest {

    @Test
    void liveStopsAreTheReplaysStops() throws Exception {
        Map<String, List<StepRecord>> runs = new LinkedHashMap<>();
        int seed = 0;
        for (Shape shape : Shape.values()) {
            String run = "live-" + shape.name().toLowerCase();
            runs.put(run, SyntheticRuns.steps(run, shape, 400, seed++));
        }
        List<RecordedRun> recorded = runs.entrySet().stream()
                .map(e -> new RecordedRun(e.getKey(), e.getValue()))
                .toList();
        for (String spec : List.of("threshold:val_acc:0.5", "budget:3000", "memorized+700")) {
            StopPolicy policy = StopPolicy.parse(spec);
            Map<String, String> replayed = new TreeMap<>();
            for (RunOutcome o : PolicyReplay.replay(recorded, List.of(policy), DetectorConfig.defaults())
                    .get(0)
                    .runs()) {
                if (o.stopped()) replayed.put(o.run(), o.stop().reason());
            }
            assertThat(replayed).as(spec).isNotEmpty().hasSizeLessThanOrEqualTo(runs.size());

            try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2)) {
                String servers = kafka.bootstrapServers();
                try (AnalyzerService analyzer = AnalyzerService.builder()
                        .bootstrapServers(servers)
                        .groupId("live-stop")
                        .instanceId("live-stop-1")
                        .stopPolicy(policy)
                        .build()
                        .start()) {
                    KafkaTestSupport.produceInterleaved(servers, runs);
                    KafkaTestSupport.awaitCaughtUp(
                            servers, "live-stop", List.of(Topics.METRICS), Duration.ofSeconds(60));
                }
                Map<String, String> live = new TreeMap<>();
                for (ConsumerRecord<String, byte[]> r : KafkaTestSupport.readCommitted(servers, Topics.CONTROL)) {
                    ControlCommand c = (ControlCommand) EventCodec.decode(r.value());
                    assertThat(live.put(c.run(), c.reason()))
                            .as("one stop per run")
                            .isNull();
                }
                assertThat(live).as(spec).isEqualTo(replayed);
            }
        }
    }
}
