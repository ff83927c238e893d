package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestCommandTest {
    @TempDir
    Path dir;

    @Test
    void publishesStepsKeyedByRunSkippingBadLinesWithTheirNumbers() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < 20; s++)
            lines.add(EventCodec.encodeToString(StepRecord.of("rec-7", s * 10L, 1.0, 0.5, 2.0, 0.1)));
        lines.add(4, "{\"type\":\"step\",\"run\":\"rec-7\""); // line 5: truncated
        lines.add(
                9,
                "{\"type\":\"step\",\"run\":\"rec-7\",\"step\":45,\"trainLoss\":1,\"trainAcc\":1.5,\"valLoss\":2,\"valAcc\":0.1}");
        lines.add(12, EventCodec.encodeToString(new RunFinished("rec-7", 1L, RunFinished.Status.COMPLETED, null, 190)));
        lines.add(13, "");
        Path f = dir.resolve("run.jsonl");
        Files.write(f, lines);

        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start()) {
            CliRun r = CliRun.grokwatch(
                    "ingest",
                    f.toString(),
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--run",
                    "replay-1",
                    "--progress-every",
                    "8");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err())
                    .contains(f + ":5: not valid JSON")
                    .contains("; skipped")
                    .contains(f + ":10: field 'trainAcc': accuracy must be in [0,1], got 1.5; skipped");
            assertThat(r.out())
                    .contains("  8 records (line ")
                    .contains("  16 records (line ")
                    .containsPattern(
                            "ingested 20 step records from .*run\\.jsonl into grokwatch\\.metrics in [0-9.]+ s "
                                    + "\\([0-9]+ records/s\\), 1 run records into grokwatch\\.runs; 2 bad lines skipped, "
                                    + "0 other records skipped");

            List<ConsumerRecord<String, byte[]>> back = readAll(kafka.bootstrapServers(), 20);
            assertThat(back).allSatisfy(rec -> assertThat(rec.key()).isEqualTo("replay-1"));
            List<Long> steps = back.stream()
                    .map(rec -> EventCodec.decode(rec.value(), StepRecord.class))
                    .peek(s -> assertThat(s.run()).isEqualTo("replay-1"))
                    .map(StepRecord::step)
                    .toList();
            List<Long> expected = new ArrayList<>();
            for (int s = 0; s < 20; s++) expected.add(s * 10L);
            assertThat(steps).isEqualTo(expected); // one key, one partition: file order kept

            List<ConsumerRecord<String, byte[]>> runs = readAll(kafka.bootstrapServers(), Topics.RUNS, 1);
            assertThat(runs).hasSize(1);
            assertThat(runs.get(0).key()).isEqualTo("replay-1");
            RunFinished finished = EventCodec.decode(runs.get(0).value(), RunFinished.class);
            assertThat(finished.run()).isEqualTo("replay-1");
            assertThat(finished.lastStep()).isEqualTo(190);
        }
    }

    /**
     * A recorded run without a run_started, ingested with --budget: a run_started with that budget goes first, and
     * the live analyzer's t_val forecasts carry it (without it they carry none).
     */
    @Test
    void budgetGivesAnIngestedRunARunStartedAndItsForecastsTheBudget() throws Exception {
        Path f = Path.of("..", "bench", "runs", "heldout-simple-grokking-10", "heldout-s1-wd0.1-f0.6.jsonl");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start();
                AnalyzerService analyzer = AnalyzerService.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .instanceId("ingest-budget")
                        .build()
                        .start()) {
            CliRun r = CliRun.grokwatch(
                    "ingest", f.toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--budget", "5000");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).contains("ingested 501 step records").contains("1 run records into grokwatch.runs");

            List<ConsumerRecord<String, byte[]>> runs = readAll(kafka.bootstrapServers(), Topics.RUNS, 1);
            assertThat(runs).hasSize(1);
            RunStarted started = EventCodec.decode(runs.get(0).value(), RunStarted.class);
            assertThat(started.run()).isEqualTo("heldout-s1-wd0.1-f0.6");
            assertThat(started.budget()).isEqualTo(5000L);

            // t_val 1280: forecasts from step ~70 on, while MEMORIZED or GENERALIZING
            List<Forecast> forecasts = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (forecasts.size() < 50 && System.nanoTime() < deadline) {
                forecasts.clear();
                for (ConsumerRecord<String, byte[]> e : readAll(kafka.bootstrapServers(), Topics.EVENTS, 0))
                    if (EventCodec.decode(e.value()) instanceof Forecast fc) forecasts.add(fc);
            }
            assertThat(forecasts).hasSizeGreaterThanOrEqualTo(50);
            // run_started travels on grokwatch.runs: a poll may hand the analyzer a run's first evaluations before it
            assertThat(forecasts.stream().filter(fc -> fc.step() >= 300))
                    .isNotEmpty()
                    .allSatisfy(fc -> assertThat(fc.budget()).isEqualTo(5000L));
        }
    }

    @Test
    void rateSpacesTheRecords() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < 21; s++)
            lines.add(EventCodec.encodeToString(StepRecord.of("rec-8", s, 1.0, 0.5, 2.0, 0.1)));
        Path f = dir.resolve("rate.jsonl");
        Files.write(f, lines);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(1).build().start()) {
            long t0 = System.nanoTime();
            CliRun r = CliRun.grokwatch(
                    "ingest", f.toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--rate", "100");
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.exitCode()).as(r.err()).isZero();
            // 21 records at 100/s: the last is due 200 ms after the first; only a lower bound is safe.
            assertThat(elapsedMs).isGreaterThanOrEqualTo(200);
            assertThat(r.out()).contains("ingested 21 step records");
        }
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        CliRun missing = CliRun.grokwatch("ingest", dir.resolve("nope.jsonl").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err())
                .contains("FILE.jsonl " + dir.resolve("nope.jsonl") + ": no such file; pass a recorded run");

        Path f = Files.writeString(
                dir.resolve("one.jsonl"), EventCodec.encodeToString(StepRecord.of("r", 0, 1, 0.5, 1, 0.5)));
        CliRun rate = CliRun.grokwatch("ingest", f.toString(), "--rate", "0");
        assertThat(rate.exitCode()).isEqualTo(2);
        assertThat(rate.err()).contains("--rate must be a positive number of records per second, was 0.0");

        CliRun run = CliRun.grokwatch("ingest", f.toString(), "--run", " ");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--run must not be empty");
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String servers, int expected) {
        return readAll(servers, Topics.METRICS, expected);
    }

    /** Reads {@code topic} read_committed from the start until {@code expected} records (0: until it ends). */
    private static List<ConsumerRecord<String, byte[]>> readAll(String servers, String topic, int expected) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers, "isolation.level", "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            if (expected == 0) {
                Map<TopicPartition, Long> end = c.endOffsets(tps);
                while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)))
                    c.poll(Duration.ofMillis(100)).forEach(out::add);
                return out;
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline)
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            return out;
        }
    }
}
