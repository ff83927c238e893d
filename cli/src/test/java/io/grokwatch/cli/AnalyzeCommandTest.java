package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Topics;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

/** Runs {@code grokwatch analyze} on a thread, feeds it with {@code grokwatch ingest}, and stops it. */
class AnalyzeCommandTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void printsTransitionsAndAlertsOfAnIngestedRunAndSendsTheAutoStopOnce() throws Exception {
        Path f = Files.write(dir.resolve("run.jsonl"), ClassifyCommandTest.grokkingLines("live-1"));
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start()) {
            RunningCommand<AnalyzeCommand> analyze = new RunningCommand<>(
                    "analyze",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--instance-id",
                    "cli-1",
                    "--auto-stop",
                    "grokked+500",
                    "--stats-every",
                    "1s");
            StringWriter out = analyze.out;
            try {
                assertThat(analyze.command.awaitReady(DEADLINE))
                        .as("analyze ready; stderr: %s", analyze.err)
                        .isTrue();

                CliRun ingest =
                        CliRun.grokwatch("ingest", f.toString(), "--bootstrap-servers", kafka.bootstrapServers());
                assertThat(ingest.exitCode()).as(ingest.err()).isZero();

                await(() -> out.toString().contains("sent STOP"), "the auto-stop line; out: " + out);
                // the 601 ingested, and the STOP it sent, which it reads back from grokwatch.control to check it
                await(() -> out.toString().contains("stats: 602 records in"), "stats after all records; out: " + out);
            } finally {
                // also when an assertion failed: a command left running would retry the closed broker for good
                analyze.command.requestStop();
                analyze.awaitExit(DEADLINE);
            }
            assertThat(analyze.exitCode.get()).as(analyze.err.toString()).isZero();

            String text = out.toString();
            assertThat(text)
                    .contains("analyzing " + kafka.bootstrapServers() + " as group grokwatch-analyzer, instance cli-1; "
                            + "state in grokwatch.analyzer-state; auto-stop grokked+500");
            assertThat(text).containsPattern("live-1  FITTING -> MEMORIZED at step \\d+ \\(detected at step \\d+\\)");
            assertThat(text).containsPattern("live-1  GENERALIZING -> GROKKED at step \\d+");
            assertThat(text).contains("live-1  ALERT VAL_ACC_JUMP: ");
            assertThat(text).containsOnlyOnce("sent STOP").contains("analyzer stopped.");

            List<ControlCommand> stops = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : readCommitted(kafka.bootstrapServers(), Topics.CONTROL)) {
                stops.add(EventCodec.decode(r.value(), ControlCommand.class));
            }
            assertThat(stops).hasSize(1);
            assertThat(stops.get(0).run()).isEqualTo("live-1");
            assertThat(stops.get(0).command()).isEqualTo(ControlCommand.Command.STOP);
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun policy = CliRun.grokwatch("analyze", "--auto-stop", "whenever");
        assertThat(policy.exitCode()).isEqualTo(2);
        assertThat(policy.err()).startsWith("grokwatch analyze: --auto-stop: ").contains("whenever");

        CliRun threshold = CliRun.grokwatch("analyze", "--val-threshold", "1.5");
        assertThat(threshold.exitCode()).isEqualTo(2);
        assertThat(threshold.err()).contains("detector config valThreshold=1.5: must be in (0,1]");

        CliRun polls = CliRun.grokwatch("analyze", "--max-poll-records", "0");
        assertThat(polls.exitCode()).isEqualTo(2);
        assertThat(polls.err()).contains("--max-poll-records must be >= 1, was 0");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> readCommitted(String servers, String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)))
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            return out;
        }
    }
}
