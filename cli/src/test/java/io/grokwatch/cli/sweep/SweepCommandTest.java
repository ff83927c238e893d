package io.grokwatch.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.cli.Main;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Job;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code grokwatch sweep} in-process against the embedded broker: checks, publishing, local workers, watch, cancel. */
class SweepCommandTest {
    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().partitions(2).build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    record Run(int code, String out, String err) {}

    private static Run sweep(String... args) {
        List<String> all = new ArrayList<>(List.of("sweep", "--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aMisspeltSettingOrABadValueIsAUsageErrorBeforeAnythingIsPublished() {
        int before = jobs("").size();
        Run typo = sweep("--grid", "weight-decy=0.1,1");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("no setting is called weight-decy; did you mean weight-decay?");

        Run bad = sweep("--grid", "weight-decay=0.1,-1");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("grid point weight-decay=-1: weightDecay must be finite and >= 0");

        Run seeds = sweep("--grid", "seed=1,2", "--seeds", "3");
        assertThat(seeds.code()).isEqualTo(2);
        assertThat(seeds.err()).contains("--seeds and a grid over seed: give one of them");

        Run set = sweep("--grid", "lr=0.01,0.1", "--set", "hidden=8,16");
        assertThat(set.code()).isEqualTo(2);
        assertThat(set.err()).contains("--set hidden takes one value, got 2; use --grid for an axis");

        Run none = sweep("--steps", "10");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("a sweep needs --grid NAME=VALUES or --seeds N");

        assertThat(jobs("")).hasSize(before);
    }

    @Test
    void aDryRunListsEveryPointAndSeedAndPublishesNothing() {
        Run r = sweep(
                "--grid", "weight-decay=0.1,1", "--grid", "train-fraction=0.2:0.8:3", "--seeds", "2", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("12 runs of simple-grokking (2 weightDecay x 3 trainFraction x 2 seeds)");
        assertThat(r.out().lines().filter(l -> l.startsWith("  sw-"))).hasSize(12);
        assertThat(r.out()).contains("weightDecay=1.0 trainFraction=0.8 seed=1");
        assertThat(jobs(sweepId(r.out()))).isEmpty();
    }

    @Test
    void localWorkersRunTheWholeSweepWatchReattachesAndCancelIsSent() throws Exception {
        Path metrics = dir.resolve("metrics");
        Run r = sweep(
                "--grid",
                "weight-decay=0.3,1",
                "--seeds",
                "2",
                "--set",
                "p=11",
                "--set",
                "embed-dim=8",
                "--set",
                "hidden=16",
                "--steps",
                "100",
                "--local",
                "2",
                "--report-dir",
                dir.resolve("report").toString(),
                "--metrics-dir",
                metrics.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String id = sweepId(r.out());
        List<String> rows = r.out().lines().filter(l -> l.startsWith(id + "-")).toList();
        assertThat(rows).hasSize(4).allSatisfy(l -> assertThat(l).endsWith("COMPLETED"));
        assertThat(r.err()).contains("4/4 finished");

        assertThat(r.out()).contains("sweep report: " + dir.resolve("report").resolve("index.html"));
        JsonNode report = new ObjectMapper()
                .readTree(dir.resolve("report").resolve("sweep.json").toFile());
        List<String> reported = new ArrayList<>();
        report.get("runs").forEach(run -> reported.add(run.get("run").asText()));
        assertThat(reported).containsExactly(id + "-000", id + "-001", id + "-002", id + "-003");

        List<Job> jobs = jobs(id);
        assertThat(jobs)
                .extracting(Job::run)
                .containsExactlyInAnyOrder(id + "-000", id + "-001", id + "-002", id + "-003");
        assertThat(jobs).allSatisfy(j -> {
            assertThat(j.sweep()).isEqualTo(id);
            assertThat(j.point().keySet()).containsExactly("weightDecay", "seed");
            assertThat(j.config()).containsEntry("p", 11).containsEntry("steps", 100);
        });
        for (Job j : jobs) {
            assertThat(Files.readAllLines(metrics.resolve(j.run() + ".jsonl"))).hasSize(100 / 10 + 1);
        }

        Run watch =
                sweep("--watch", id, "--report-dir", dir.resolve("watch-report").toString());
        assertThat(watch.code()).as(watch.err()).isZero();
        assertThat(watch.out().lines().filter(l -> l.startsWith(id + "-"))).containsExactlyElementsOf(rows);
        assertThat(dir.resolve("watch-report").resolve("index.html")).exists();

        Run cancel = sweep("--cancel", id);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        List<Event> control = read(Topics.CONTROL, id);
        assertThat(control)
                .singleElement()
                .satisfies(e -> assertThat(((ControlCommand) e).command()).isEqualTo(ControlCommand.Command.CANCEL));
    }

    private static String sweepId(String out) {
        Matcher m = Pattern.compile("grokwatch sweep (sw-\\S+):").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    private static List<Job> jobs(String sweep) {
        return read(Topics.JOBS, null).stream()
                .map(e -> (Job) e)
                .filter(j -> sweep.isEmpty() || j.sweep().equals(sweep))
                .toList();
    }

    /** Everything on {@code topic} now, keyed {@code key} (null: all). */
    private static List<Event> read(String topic, String key) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (key == null || key.equals(r.key())) out.add(EventCodec.decode(r.value()));
                }
            }
            return out;
        }
    }
}
