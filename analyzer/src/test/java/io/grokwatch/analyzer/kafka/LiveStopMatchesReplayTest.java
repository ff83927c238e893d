package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.bench.SyntheticRuns.Shape;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.policy.PolicyReplay;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.analyzer.policy.PolicySpecs;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.analyzer.policy.StopPolicy;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
                Map<String, String> live = liveStops(servers);
                assertThat(live).as(spec).isEqualTo(replayed);
            }
        }
    }

    /**
     * The policies with a history of their own (per run, and across the runs of a sweep), on recorded runs with their
     * budgets, through an analyzer that is closed early on and started again: the second one goes on from the policy
     * state in the changelog.
     */
    @Test
    void statefulPoliciesStopLiveWhereTheReplayDoesAcrossARestart() throws Exception {
        Map<String, List<StepRecord>> runs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Path.of("..", "bench", "runs", "heldout-simple-grokking-10"))) {
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
                List<StepRecord> steps = OfflineClassifier.read(f).steps();
                runs.put(steps.get(0).run(), steps);
            }
        }
        assertThat(runs).hasSize(10);
        List<RecordedRun> recorded = runs.entrySet().stream()
                .map(e -> new RecordedRun(e.getKey(), e.getValue(), BUDGET))
                .toList();
        for (String spec : List.of("patience:val_loss:500", "grok-aware", "median", "asha")) {
            ReplayPolicy policy = PolicySpecs.parseLive(spec);
            Map<String, String> replayed = new TreeMap<>();
            for (RunOutcome o : PolicyReplay.replay(recorded, List.of(policy), DetectorConfig.defaults())
                    .get(0)
                    .runs()) {
                if (!o.stopped()) continue;
                replayed.put(o.run(), o.stop().reason());
                assertThat(o.stop().step())
                        .as(spec + " on " + o.run() + ": the stop comes after the restart")
                        .isGreaterThan(runs.get(o.run()).get(RESTART_AT).step());
            }
            assertThat(replayed).as(spec).isNotEmpty();
            if (spec.startsWith("grok-aware"))
                assertThat(replayed.values()).as("a stop on the forecast").anyMatch(r -> r.contains("forecast"));

            Map<String, List<StepRecord>> firstHalf = new LinkedHashMap<>();
            Map<String, List<StepRecord>> secondHalf = new LinkedHashMap<>();
            runs.forEach((run, steps) -> {
                // Early (step ~300 of 5,000), so that every stop comes after the restart and needs the state.
                firstHalf.put(run, steps.subList(0, RESTART_AT));
                secondHalf.put(run, steps.subList(RESTART_AT, steps.size()));
            });
            try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(2)) {
                String servers = kafka.bootstrapServers();
                try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
                    for (String run : runs.keySet()) {
                        RunStarted started = new RunStarted(
                                run,
                                1L,
                                "add_mod",
                                "mlp",
                                Map.of("steps", BUDGET, "sweep", "sw-live"),
                                Provenance.current(1, "test-split", "cpu"));
                        p.send(new ProducerRecord<>(Topics.RUNS, run, EventCodec.encode(started)));
                    }
                }
                for (Map<String, List<StepRecord>> half : List.of(firstHalf, secondHalf)) {
                    try (AnalyzerService analyzer = AnalyzerService.builder()
                            .bootstrapServers(servers)
                            .groupId("live-stop-stateful")
                            .instanceId("live-stop-stateful-1")
                            .stopPolicy(policy)
                            .build()
                            .start()) {
                        // A trainer's run_started comes before its steps: the analyzer has the budget at step 0.
                        KafkaTestSupport.awaitCaughtUp(
                                servers, "live-stop-stateful", List.of(Topics.RUNS), Duration.ofSeconds(60));
                        KafkaTestSupport.produceInterleaved(servers, half);
                        KafkaTestSupport.awaitCaughtUp(
                                servers,
                                "live-stop-stateful",
                                List.of(Topics.METRICS, Topics.RUNS),
                                Duration.ofSeconds(90));
                    }
                }
                Map<String, String> live = liveStops(servers);
                assertThat(live).as(spec).isEqualTo(replayed);
                Map<String, String> alerted = new TreeMap<>();
                for (ConsumerRecord<String, byte[]> r : KafkaTestSupport.readCommitted(servers, Topics.EVENTS)) {
                    if (EventCodec.decode(r.value()) instanceof Alert a && a.kind() == AlertKind.AUTO_STOPPED)
                        assertThat(alerted.put(a.run(), a.message()))
                                .as("one AUTO_STOPPED per run")
                                .isNull();
                }
                assertThat(alerted)
                        .as(spec + ": each stop on grokwatch.events too")
                        .isEqualTo(live);
            }
        }
    }

    /** The STOPs on grokwatch.control, read_committed: run -> reason, one per run. */
    private static Map<String, String> liveStops(String servers) {
        Map<String, String> live = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : KafkaTestSupport.readCommitted(servers, Topics.CONTROL)) {
            ControlCommand c = (ControlCommand) EventCodec.decode(r.value());
            assertThat(live.put(c.run(), c.reason())).as("one stop per run").isNull();
        }
        return live;
    }

    private static final long BUDGET = 5000;
    private static final int RESTART_AT = 30;
}
