package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as a user runs it, each service its own JVM ({@code grokwatch train}, {@code analyze}, {@code
 * bridge}), while the broker goes away mid-run for five seconds and comes back on the same port and data: the
 * trainer trains on and finishes, analyzer and bridge reconnect by themselves, every step arrives once, every
 * transition once, no service exits.
 */
class PipelineBrokerRestartTest {
    private static final String RUN = "restart-train-1";
    private static final int STEPS = 4000;

    @TempDir
    Path dir;

    @Test
    void trainerAnalyzerAndBridgeInTheirOwnJvmsRideOutABrokerRestart() throws Exception {
        int port = freePort();
        int metricsPort = freePort();
        EmbeddedKafka kafka = EmbeddedKafka.builder()
                .dataDir(dir.resolve("kafka"))
                .port(port)
                .partitions(2)
                .build()
                .start();
        String servers = kafka.bootstrapServers();
        List<Process> services = new ArrayList<>();
        try {
            Process analyzer = start("analyzer", "analyze", "--bootstrap-servers", servers);
            Process bridge =
                    start("bridge", "bridge", "--bootstrap-servers", servers, "--port", Integer.toString(metricsPort));
            services.add(analyzer);
            services.add(bridge);
            Process trainer = start(
                    "trainer",
                    "train",
                    "--preset",
                    "simple-grokking",
                    "--steps",
                    Integer.toString(STEPS),
                    "--eval-every",
                    "10",
                    "--run",
                    RUN,
                    "--threads",
                    "1",
                    "--bootstrap-servers",
                    servers);
            services.add(trainer);

            // mid-run: any progress line from step 300 to 1,999 (lines come about once a second, whatever the speed)
            awaitLog("trainer", "step (?:[3-9][0-9][0-9]|1[0-9]{3})/" + STEPS, Duration.ofSeconds(120));
            kafka.stop();
            // away until the trainer has noticed and said so, while it trains on
            awaitLog("trainer", "is unreachable; training continues", Duration.ofSeconds(60));
            assertThat(trainer.isAlive() || trainer.exitValue() == 0)
                    .as("the trainer trains on")
                    .isTrue();
            kafka.start();

            assertThat(trainer.waitFor(180, java.util.concurrent.TimeUnit.SECONDS))
                    .as(log("trainer"))
                    .isTrue();
            assertThat(trainer.exitValue()).as(log("trainer")).isZero();
            assertThat(log("trainer"))
                    .as("the trainer said the broker was away and back")
                    .contains("grokwatch: Kafka at " + servers + " is unreachable; training continues")
                    .contains("grokwatch: Kafka at " + servers + " is reachable again");
            AnalyzerGroup.awaitCaughtUp(servers, Duration.ofSeconds(120));
            assertThat(analyzer.isAlive()).as(log("analyzer")).isTrue();
            assertThat(bridge.isAlive()).as(log("bridge")).isTrue();

            List<StepRecord> steps = new ArrayList<>();
            Map<String, Integer> transitions = new HashMap<>();
            List<String> seen = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : readAll(servers, Topics.METRICS)) {
                if (RUN.equals(r.key())) steps.add((StepRecord) EventCodec.decode(r.value()));
            }
            assertThat(steps)
                    .extracting(StepRecord::step)
                    .as("every evaluation once, in order")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(0, STEPS / 10)
                            .map(i -> i * 10)
                            .boxed()
                            .toList());
            for (ConsumerRecord<String, byte[]> r : readAll(servers, Topics.EVENTS)) {
                if (RUN.equals(r.key()) && EventCodec.decode(r.value()) instanceof Transition t) {
                    seen.add(t.to() + "@" + t.step());
                    transitions.merge(t.to() + "@" + t.step(), 1, Integer::sum);
                }
            }
            assertThat(transitions.values())
                    .as("every transition once: " + seen)
                    .allMatch(n -> n == 1);
            RunDetector offline = new RunDetector(RUN, DetectorConfig.defaults());
            List<String> expected = new ArrayList<>();
            for (StepRecord s : steps)
                for (Event e : offline.accept(s, 0))
                    if (e instanceof Transition t) expected.add(t.to() + "@" + t.step());
            assertThat(seen).as("the live transitions are the offline ones").containsExactlyElementsOf(expected);
            assertThat(expected).isNotEmpty();

            String scrape = scrapeUntil(
                    "http://127.0.0.1:" + metricsPort + "/metrics",
                    "grokwatch_run_step\\{[^}]*run=\"" + RUN + "\"[^}]*\\} " + (double) STEPS);
            assertThat(scrape).contains("grokwatch_bridge_up 1.0");
        } finally {
            for (Process p : services) p.destroyForcibly().waitFor();
            kafka.close();
        }
    }

    private Process start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void awaitLog(String name, String regex, Duration max) throws InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + max.toNanos();
        while (!p.matcher(log(name)).find()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("no /" + regex + "/ in the " + name + " log:\n" + log(name));
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String servers, String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) out.add(r);
            }
        }
        out.sort(java.util.Comparator.comparingInt((ConsumerRecord<String, byte[]> r) -> r.partition())
                .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    private static String scrapeUntil(String url, String regex) throws Exception {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(regex);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                        .body();
                if (line.matcher(body).find()) return body;
            } catch (IOException e) {
                body = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the bridge never showed /" + regex + "/; last scrape:\n" + body);
    }
}
