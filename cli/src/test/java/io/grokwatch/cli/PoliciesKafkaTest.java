package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventType;
import io.grokwatch.events.Job;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.Topics;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grokwatch policies} over a sweep id and a topic on the embedded broker: the table must be the one the same
 * runs give as .jsonl files.
 */
class PoliciesKafkaTest {
    private static final String SWEEP = "sw-20261202-200000";
    private static final String SOLO = "solo-1";
    private static final List<String> SPECS =
            List.of("patience:val_loss:500", "budget:4000", "median:val_acc:500:1", "asha", "grok-aware:500");

    private static EmbeddedKafka kafka;
    /** Every run's lines as train writes them, by run id. */
    private static final Map<String, List<String>> LINES = new LinkedHashMap<>();
    /** The run_started and job records published, as lines: the files hold them too, as a sweep's directory does. */
    private static final Map<String, String> STARTED = new LinkedHashMap<>();

    private static final List<String> JOBS = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void publishASweepAndARunOnItsOwn() {
        kafka = EmbeddedKafka.builder().port(0).partitions(2).build().start();
        LINES.put(SWEEP + "-000", ClassifyCommandTest.grokkingLines(SWEEP + "-000"));
        LINES.put(SWEEP + "-001", PoliciesCommandTest.memorizingLines(SWEEP + "-001", 6000));
        LINES.put(
                SWEEP + "-002",
                ClassifyCommandTest.grokkingLines(SWEEP + "-002").subList(0, 301));
        LINES.put(SOLO, PoliciesCommandTest.memorizingLines(SOLO, 3000));
        List<Event> events = new ArrayList<>();
        // 000 has its job and run_started, 001 only a job, 002 only run_started: either names a member
        events.add(job(0));
        events.add(started(SWEEP + "-000", SWEEP));
        events.add(job(1));
        events.add(started(SWEEP + "-002", SWEEP));
        events.add(job(3)); // queued, never started: no steps, left out
        events.add(started(SOLO, null));
        for (Event e : events) {
            if (e instanceof RunStarted r) STARTED.put(r.run(), EventCodec.encodeToString(e));
            if (e instanceof Job) JOBS.add(EventCodec.encodeToString(e));
        }
        LINES.values().forEach(lines -> lines.forEach(l -> events.add(EventCodec.decode(l))));
        publish(events);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static Job job(int index) {
        Map<String, Object> point = Map.of("weightDecay", 1.0, "seed", index);
        return new Job(
                String.format("%s-%03d", SWEEP, index), SWEEP, 1L, point, Map.of("steps", 6000, "weightDecay", 1.0));
    }

    private static RunStarted started(String run, String sweep) {
        Map<String, Object> config = new LinkedHashMap<>(Map.of("steps", 6000));
        if (sweep != null) {
            config.put("sweep", sweep);
            config.put("point", Map.of("seed", 0));
        }
        return new RunStarted(
                run,
                1L,
                "add_mod",
                "mlp",
                config,
                new Provenance(0, "split", "0.1.0", "abc", "jvm", "os", "cpu", "t", "h"));
    }

    private static void publish(List<Event> events) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Event e : events) {
                producer.send(new ProducerRecord<>(EventType.of(e).topic(), Topics.key(e), EventCodec.encode(e)));
            }
            producer.flush();
        }
    }

    /**
     * The runs as .jsonl files, one a run (its run_started first, when it has one), named so that path order is run
     * id order, and the sweep's jobs.jsonl: the budgets are in the files as they are on Kafka.
     */
    private Path files(List<String> runs) throws Exception {
        Path d = Files.createDirectories(dir.resolve("runs-" + runs.size()));
        for (String run : runs) {
            List<String> lines = new ArrayList<>();
            if (STARTED.containsKey(run)) lines.add(STARTED.get(run));
            lines.addAll(LINES.get(run));
            Files.write(d.resolve(run + ".jsonl"), lines);
        }
        Files.write(d.resolve("jobs.jsonl"), JOBS);
        return d;
    }

    private static CliRun policies(String... args) {
        List<String> all = new ArrayList<>(List.of("policies", "--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        for (String s : SPECS) all.addAll(List.of("--policy", s));
        return CliRun.grokwatch(all.toArray(String[]::new));
    }

    @Test
    void aSweepIdGivesTheTableOfItsRunsAsFiles() throws Exception {
        Path files = files(List.of(SWEEP + "-000", SWEEP + "-001", SWEEP + "-002"));
        for (String format : List.of("--json", "--csv")) {
            CliRun fromKafka = policies(SWEEP, format);
            CliRun fromFiles = policies(files.toString(), format);
            assertThat(fromKafka.exitCode()).as(fromKafka.err()).isZero();
            assertThat(fromFiles.exitCode()).as(fromFiles.err()).isZero();
            assertThat(fromKafka.out()).contains(SWEEP + "-001").doesNotContain(SOLO);
            assertThat(fromKafka.out()).isEqualTo(fromFiles.out());
        }
        CliRun table = policies(SWEEP);
        assertThat(table.out())
                .startsWith("3 runs, 15000 steps run;")
                .isEqualTo(policies(files.toString()).out());
        assertThat(table.err()).contains(SWEEP + ": sweep of 4 runs, 3 with step records");
    }

    @Test
    void aTopicGivesEveryRunOnItFromTheBeginning() throws Exception {
        Path files = files(List.copyOf(LINES.keySet()));
        CliRun fromKafka = policies(Topics.METRICS, "--json");
        CliRun fromFiles = policies(files.toString(), "--json");
        assertThat(fromKafka.exitCode()).as(fromKafka.err()).isZero();
        assertThat(fromKafka.out()).contains(SOLO).isEqualTo(fromFiles.out());
        assertThat(policies(Topics.METRICS).out())
                .startsWith("4 runs, 18000 steps run;")
                .isEqualTo(policies(files.toString()).out());

        CliRun noSteps = policies(Topics.JOBS);
        assertThat(noSteps.exitCode()).isEqualTo(2);
        assertThat(noSteps.err()).contains("grokwatch policies: " + Topics.JOBS + ": the topic holds no step records");
    }

    @Test
    void forecastEvalReadsASweepAndATopicAsItReadsTheirFiles() throws Exception {
        Path sweepFiles = files(List.of(SWEEP + "-000", SWEEP + "-001", SWEEP + "-002"));
        String servers = kafka.bootstrapServers();
        CliRun sweep = CliRun.grokwatch("forecast-eval", "--bootstrap-servers", servers, SWEEP, "--json");
        assertThat(sweep.exitCode()).as(sweep.err()).isZero();
        assertThat(sweep.out())
                .isEqualTo(CliRun.grokwatch("forecast-eval", sweepFiles.toString(), "--json")
                        .out());
        // the budget is the runs' configured 6,000 steps (job or run_started), not the truncated run's last step
        com.fasterxml.jackson.databind.JsonNode runs = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(sweep.out())
                .path("runs");
        assertThat(runs).hasSize(3);
        runs.forEach(r ->
                assertThat(r.path("budget").asLong()).as(r.path("run").asText()).isEqualTo(6000));

        Path all = files(List.copyOf(LINES.keySet()));
        CliRun topic = CliRun.grokwatch("forecast-eval", "--bootstrap-servers", servers, Topics.METRICS);
        assertThat(topic.exitCode()).as(topic.err()).isZero();
        assertThat(topic.out())
                .contains(SOLO)
                .isEqualTo(CliRun.grokwatch("forecast-eval", all.toString()).out());
    }

    @Test
    void anUnknownNameIsAUsageErrorNamingIt() throws Exception {
        CliRun r = policies("sw-nosuch");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().filter(l -> !l.contains("from Kafka at ")))
                .hasSize(1)
                .first()
                .asString()
                .startsWith("grokwatch policies: not a file, a topic on " + kafka.bootstrapServers()
                        + ", or a sweep id: sw-nosuch (sweeps there: " + SWEEP + ")");

        Path one = files(List.of(SWEEP + "-000"));
        CliRun twice = policies(one.toString(), SWEEP);
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("run " + SWEEP + "-000 is in the files and on Kafka; give each run once");

        // a name that cannot be a topic is a missing file, without asking Kafka
        CliRun path = policies(dir.resolve("gone").toString());
        assertThat(path.exitCode()).isEqualTo(2);
        assertThat(path.err()).startsWith("grokwatch policies: " + dir.resolve("gone") + ": no such file or directory");
    }

    @Test
    void aBrokerThatIsDownIsReportedWithinSeconds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long start = System.nanoTime();
        CliRun r = CliRun.grokwatch("policies", SWEEP, "--bootstrap-servers", "127.0.0.1:" + port);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .contains("grokwatch policies: Kafka at 127.0.0.1:" + port + " did not answer within 5 s, so " + SWEEP
                        + " could not be looked up as a topic or a sweep id; is the broker running?");
        assertThat(seconds).isLessThan(12);
    }
}
