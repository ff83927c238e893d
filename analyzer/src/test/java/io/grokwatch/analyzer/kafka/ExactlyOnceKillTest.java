package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The analyzer runs as a separate JVM and is killed with SIGKILL at several points of an ingested
 * run, then restarted; what a read_committed consumer sees equals the uninterrupted output.
 */
class ExactlyOnceKillTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static final String GROUP = "eos-test";
    private static final Pattern RECORDS_IN = Pattern.compile("recordsIn=(\\d+)");

    @Test
    void sigkilledAndRestartedAnalyzerGivesTheUninterruptedOutputExactlyOnce() throws Exception {
        kafka = KafkaTestSupport.startBroker(3);
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = SyntheticRuns.runs("eos-", 12, 400, 100);
        List<Map<String, List<StepRecord>>> segments = segments(runs, 4);
        Path logs = Files.createDirectories(Path.of("target", "eos-test"));

        // Kill points: after this many input records the child has counted as committed; the child
        // commits every <= 50 records, so most kills land between a transaction's begin and commit.
        long[] killAfter = {350, 700, 500};
        int kills = 0;
        for (int k = 0; k < segments.size(); k++) {
            try (Child child = Child.start(servers, logs.resolve("analyzer-" + k + ".log"))) {
                KafkaTestSupport.produceInterleaved(servers, segments.get(k));
                if (k < killAfter.length) {
                    long target = killAfter[k];
                    KafkaTestSupport.await(
                            "child " + k + " to commit " + target + " records",
                            Duration.ofSeconds(60),
                            () -> child.recordsIn.get() >= target);
                    child.kill();
                    kills++;
                } else {
                    KafkaTestSupport.awaitCaughtUp(servers, GROUP, List.of(Topics.METRICS), Duration.ofSeconds(90));
                }
            }
        }
        assertThat(kills).isEqualTo(3);

        Map<String, List<String>> expected = KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults());
        Map<String, List<String>> actual = new LinkedHashMap<>();
        var committed = KafkaTestSupport.committedEvents(servers, runs.keySet());
        runs.keySet().forEach(run -> actual.put(run, KafkaTestSupport.outcome(committed.getOrDefault(run, List.of()))));
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isGreaterThan(30);
    }

    /**
     * A sweep's runs arrive steadily while the analyzer is SIGKILLed ten times, each a second or so after it has
     * committed something; then one more runs to the end. The read_committed output equals the uninterrupted one:
     * every transition and alert, and every t_val forecast, once, with the same values.
     */
    @Test
    void tenKillsInALoopWhileRunsArriveGiveTheUninterruptedOutput() throws Exception {
        kafka = KafkaTestSupport.startBroker(3);
        String servers = kafka.bootstrapServers();
        Map<String, List<StepRecord>> runs = SyntheticRuns.runs("loop-", 12, 500, 300);
        Path logs = Files.createDirectories(Path.of("target", "eos-loop-test"));
        Thread producer =
                new Thread(() -> KafkaTestSupport.produceInterleaved(servers, runs, 250), "eos-loop-producer");
        producer.start();
        java.util.SplittableRandom random = new java.util.SplittableRandom(14);
        for (int k = 0; k < 10; k++) {
            try (Child child = Child.start(servers, logs.resolve("analyzer-" + k + ".log"))) {
                KafkaTestSupport.await(
                        "child " + k + " to commit a batch",
                        Duration.ofSeconds(60),
                        // once every record is in, a child may find nothing left to do: kill it all the same
                        () -> child.recordsIn.get() > 0 || !producer.isAlive());
                Thread.sleep(200 + random.nextInt(1000));
                child.kill();
            }
        }
        producer.join();
        try (Child last = Child.start(servers, logs.resolve("analyzer-last.log"))) {
            KafkaTestSupport.awaitCaughtUp(servers, GROUP, List.of(Topics.METRICS), Duration.ofSeconds(90));
        }

        Map<String, List<String>> expected = KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults());
        var committed = KafkaTestSupport.committedEvents(servers, runs.keySet());
        Map<String, List<String>> actual = new LinkedHashMap<>();
        runs.keySet().forEach(run -> actual.put(run, KafkaTestSupport.outcome(committed.getOrDefault(run, List.of()))));
        assertThat(actual).isEqualTo(expected);
        // the forecasts too: one per memorized evaluation, as an uninterrupted forecaster makes them
        Map<String, List<String>> forecasts = new LinkedHashMap<>();
        Map<String, List<String>> uninterrupted = new LinkedHashMap<>();
        for (String run : runs.keySet()) {
            var replay = io.grokwatch.analyzer.forecast.ForecastReplay.of(
                    new io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun(run, runs.get(run)),
                    DetectorConfig.defaults(),
                    io.grokwatch.analyzer.forecast.ValLossForecaster.Config.DEFAULT);
            // the replay keeps the forecasts made before t_val; live goes on until the detector confirms it
            Long tVal = replay.tVal();
            forecasts.put(
                    run,
                    committed.getOrDefault(run, List.of()).stream()
                            .filter(e ->
                                    e instanceof io.grokwatch.events.Forecast f && (tVal == null || f.step() < tVal))
                            .map(e -> forecastKey((io.grokwatch.events.Forecast) e))
                            .toList());
            uninterrupted.put(
                    run,
                    replay.forecasts().stream()
                            .map(ExactlyOnceKillTest::forecastKey)
                            .toList());
        }
        assertThat(forecasts.values().stream().mapToInt(List::size).sum()).isGreaterThan(100);
        assertThat(forecasts).isEqualTo(uninterrupted);
    }

    private static String forecastKey(io.grokwatch.events.Forecast f) {
        return f.step() + ":" + f.tVal() + ":" + f.low() + ":" + f.high();
    }

    /** Each run's steps cut into n consecutive pieces; piece k of every run forms segment k. */
    private static List<Map<String, List<StepRecord>>> segments(Map<String, List<StepRecord>> runs, int n) {
        List<Map<String, List<StepRecord>>> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Map<String, List<StepRecord>> seg = new LinkedHashMap<>();
            final int part = k;
            runs.forEach((run, steps) -> {
                int size = steps.size();
                seg.put(run, steps.subList(part * size / n, (part + 1) * size / n));
            });
            out.add(seg);
        }
        return out;
    }

    /** An AnalyzerMain JVM; its stdout stats lines feed {@link #recordsIn}. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final AtomicLong recordsIn = new AtomicLong();

        private Child(Process process) {
            this.process = process;
            Thread reader = new Thread(this::readStdout, "eos-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String servers, Path stderr) throws IOException {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(
                    java,
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    AnalyzerMain.class.getName(),
                    "--bootstrap-servers",
                    servers,
                    "--group-id",
                    GROUP,
                    "--instance-id",
                    "eos-1",
                    "--max-poll-records",
                    "50",
                    "--stats-every-ms",
                    "50");
            pb.redirectError(stderr.toFile());
            return new Child(pb.start());
        }

        private void readStdout() {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = RECORDS_IN.matcher(line);
                    if (m.find()) recordsIn.set(Long.parseLong(m.group(1)));
                }
            } catch (IOException ignored) {
                // The process was killed.
            }
        }

        /** SIGKILL: no shutdown hook, no leave-group, the open transaction left hanging. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS))
                    process.destroyForcibly().waitFor();
            }
        }
    }
}
