package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import io.grokwatch.trainer.publish.RunPublisher;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker is stopped mid-run and started again on the same port and data: the trainer's publisher keeps
 * accepting steps, the analyzer and the bridge reconnect by themselves, every step arrives, every transition once.
 */
class BrokerRestartTest {

    @TempDir
    Path data;

    @Test
    void thePipelineRidesOutABrokerRestart() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedKafka kafka = EmbeddedKafka.builder()
                .dataDir(data)
                .port(port)
                .partitions(2)
                .build()
                .start();
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = SyntheticRuns.runs("restart-", 4, 400, 5);
        List<StepRecord> all = SyntheticRuns.interleave(runs);
        List<String> warnings = new CopyOnWriteArrayList<>();
        Properties props = new Properties();
        props.put("bootstrap.servers", servers);
        try (AnalyzerService analyzer = AnalyzerService.builder()
                        .bootstrapServers(servers)
                        .build()
                        .start();
                MetricsBridge bridge = MetricsBridge.builder()
                        .kafkaProperties(props)
                        .port(0)
                        .build()
                        .start()) {
            RunPublisher publisher = RunPublisher.builder()
                    .bootstrapServers(servers)
                    .bufferCapacity(10_000)
                    .unreachableAfter(Duration.ofSeconds(1))
                    .warnings(warnings::add)
                    .start();
            int half = all.size() / 2;
            for (int i = 0; i < half; i++) publisher.publish(all.get(i));
            await("the first half delivered", () -> publisher.stats().delivered() == half);

            kafka.stop();
            long slowest = 0;
            for (int i = half; i < all.size(); i++) {
                long t0 = System.nanoTime();
                publisher.publish(all.get(i)); // the trainer goes on while the broker is away
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            await("the publisher to say the broker is away", () -> !warnings.isEmpty());
            assertThat(analyzer.termination())
                    .as("the analyzer is still running with the broker away")
                    .isNotDone();
            kafka.start();

            var stats = publisher.close(Duration.ofSeconds(60));
            assertThat(slowest).as("no publish waited for the broker").isLessThan(500_000_000L);
            assertThat(warnings).as("the publisher said the broker was away").isNotEmpty();
            assertThat(stats.delivered()).as("every step delivered: " + stats).isEqualTo(all.size());
            assertThat(stats.dropped() + stats.failed())
                    .as("nothing lost: " + stats)
                    .isZero();
            AnalyzerGroup.awaitCaughtUp(servers, Duration.ofSeconds(120));
            assertThat(analyzer.termination()).as("the analyzer did not exit").isNotDone();

            assertThat(committedTransitions(servers)).isEqualTo(offlineTransitions(runs));
            String scrape = scrapeUntil(
                    bridge,
                    s -> runs.entrySet().stream()
                            .allMatch(e -> s.contains("run=\"" + e.getKey() + "\",task=\"unknown\"} "
                                    + (double) e.getValue()
                                            .get(e.getValue().size() - 1)
                                            .step())));
            assertThat(scrape).contains("grokwatch_bridge_up 1.0");
        } finally {
            kafka.close();
        }
    }

    /** Each run's transitions as the detector gives them offline, in order. */
    private static Map<String, List<String>> offlineTransitions(Map<String, List<StepRecord>> runs) {
        Map<String, List<String>> out = new TreeMap<>();
        runs.forEach((run, steps) -> {
            RunDetector d = new RunDetector(run, DetectorConfig.defaults());
            List<String> ts = new ArrayList<>();
            for (StepRecord s : steps) {
                for (Event e : d.accept(s, 0)) if (e instanceof Transition t) ts.add(t.to() + "@" + t.step());
            }
            if (!ts.isEmpty()) out.put(run, ts); // a confusion run has none
        });
        return out;
    }

    /** Each run's transitions on grokwatch.events, read_committed, in offset order (a run is on one partition). */
    private static Map<String, List<String>> committedTransitions(String servers) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<String>> out = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(Topics.EVENTS)
                    .forEach(p -> tps.add(new TopicPartition(Topics.EVENTS, p.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (EventCodec.decode(r.value()) instanceof Transition t)
                        out.computeIfAbsent(t.run(), k -> new ArrayList<>()).add(t.to() + "@" + t.step());
                }
            }
        }
        return out;
    }

    private static String scrapeUntil(MetricsBridge bridge, java.util.function.Predicate<String> done)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest get =
                HttpRequest.newBuilder(URI.create(bridge.metricsUrl())).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
            if (done.test(body)) return body;
            Thread.sleep(200);
        }
        throw new AssertionError("the scrape never showed every run's last step; last scrape:\n" + body);
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
