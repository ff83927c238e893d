package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.cli.report.HeadlessChromium;
import io.grokwatch.cli.report.RenderedReport;
import io.grokwatch.trainer.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {
    private static final Duration DEMO_DEADLINE = Duration.ofMinutes(5); // generous: a shared, busy 2-core machine
    private static final Pattern METRICS_URL = Pattern.compile("metrics    (http://127\\.0\\.0\\.1:\\d+/metrics)");
    private static final Pattern REPORT = Pattern.compile("report: (\\S+\\.html)");
    private static final Pattern DATA =
            Pattern.compile("<script type=\"application/json\" id=\"grokwatch-data\">(.*?)</script>", Pattern.DOTALL);

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine commandLine() {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    /**
     * The whole pipeline in one process: embedded Kafka, trainer, analyzer, bridge. The run groks,
     * the live view shows the transitions, the bridge serves the phase, and the report renders.
     */
    @Test
    void theDemoGroksServesMetricsAndLeavesARenderedReport() throws Exception {
        AtomicInteger exit = new AtomicInteger(-1);
        Thread demo = new Thread(() -> exit.set(commandLine()
                .execute(
                        "demo",
                        "--run-id",
                        "e2e-demo",
                        "--metrics-port",
                        "0",
                        "--report-dir",
                        dir.resolve("reports").toString(),
                        "--after-grok-steps",
                        "50",
                        "--keep-running")));
        demo.start();
        try {
            long deadline = System.nanoTime() + DEMO_DEADLINE.toNanos();
            while (!out.toString().contains("services keep running")
                    && demo.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String text = out.toString();
            assertThat(text).as("demo output, stderr: " + err).contains("services keep running");
            assertThat(text)
                    .contains(
                            "FITTING -> MEMORIZED",
                            "MEMORIZED -> GENERALIZING",
                            "GENERALIZING -> GROKKED",
                            "ALERT VAL_ACC_JUMP",
                            "class GROKKING",
                            "to GROKKED");
            assertThat(text).containsPattern("\\[#+\\.*\\] +\\d+/4000 steps"); // the progress bar

            Matcher url = METRICS_URL.matcher(text);
            assertThat(url.find()).isTrue();
            assertThat(scrapeUntil(
                            url.group(1),
                            "grokwatch_run_phase\\{[^}]*phase=\"GROKKED\"[^}]*run=\"e2e-demo\"[^}]*\\} 1",
                            deadline))
                    .isTrue();

            Matcher report = REPORT.matcher(text);
            assertThat(report.find()).isTrue();
            Path page = Path.of(report.group(1));
            assertThat(page)
                    .isEqualTo(dir.resolve("reports/e2e-demo.html").toAbsolutePath())
                    .isRegularFile();
            JsonNode data = data(Files.readString(page));
            assertThat(data.path("summary").path("finalClass").asText()).isEqualTo("GROKKING");
            assertThat(data.path("summary").path("tVal").asLong()
                            - data.path("summary").path("tTrain").asLong())
                    .isGreaterThanOrEqualTo(1000);
            assertThat(data.path("task").asText()).isEqualTo("add");
            assertThat(data.path("steps").path("step").size()).isGreaterThan(100);
            assertThat(data.path("snapshots")).hasSize(3);
            assertThat(data.path("snapshots").findValuesAsText("label")).containsExactly("before", "during", "after");
            assertThat(data.path("snapshots").get(2).path("spectrum")).hasSize(26);
            assertThat(data.path("snapshots").get(2).path("pca2d")).hasSize(2 * 53);

            HeadlessChromium chromium = RenderedReport.requireChromium();
            RenderedReport.assertChartsRendered(chromium, page, dir);
        } finally {
            demo.interrupt(); // stands in for Ctrl-C
            demo.join(Duration.ofSeconds(60).toMillis());
        }
        assertThat(demo.isAlive()).isFalse();
        assertThat(exit.get()).as(err.toString()).isZero();
        assertThat(out.toString()).contains("stopping the services");
    }

    /** An external cluster, another preset: a comprehending run ends the demo at COMPREHENDED. */
    @Test
    void anExternalKafkaAndAPresetRunAComprehendingDemo() throws Exception {
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().port(0).partitions(2).build().start()) {
            int code = commandLine()
                    .execute(
                            "demo",
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--preset",
                            "simple-comprehension",
                            "--steps",
                            "600",
                            "--after-grok-steps",
                            "0",
                            "--run-id",
                            "ext-1",
                            "--metrics-port",
                            "0",
                            "--report-dir",
                            dir.toString());

            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString())
                    .contains("Kafka      external, " + kafka.bootstrapServers())
                    .contains("-> COMPREHENDED")
                    .contains("class COMPREHENSION");
            // the run went through the external cluster: a report read back from it finds the same run
            StringWriter again = new StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(again, true));
            assertThat(cl.execute(
                            "report",
                            "--run",
                            "ext-1",
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "-o",
                            dir.resolve("again.html").toString()))
                    .isZero();
            assertThat(again.toString()).contains("run ext-1: COMPREHENSION");
        }
    }

    @Test
    void withoutAPresetTheDemoRunsItsOwnExperiment() {
        DemoCommand cmd = parse("demo");
        TrainConfig c = cmd.trainConfig();
        assertThat(c.name()).isEqualTo("demo");
        assertThat(c.weightDecay()).isEqualTo(DemoCommand.DEMO_WEIGHT_DECAY);
        assertThat(c.steps()).isEqualTo(DemoCommand.DEMO_STEPS);
        assertThat(c.snapshotEvery()).isEqualTo(DemoCommand.DEMO_SNAPSHOT_EVERY);
    }

    @Test
    void aPresetKeepsItsSettingsExceptTheFlagsGiven() {
        TrainConfig c = parse("demo", "--preset", "nanda", "--steps", "500").trainConfig();
        assertThat(c.name()).isEqualTo("nanda");
        assertThat(c.p()).isEqualTo(113);
        assertThat(c.weightDecay()).isEqualTo(1.0);
        assertThat(c.steps()).isEqualTo(500);
        assertThat(c.snapshotEvery()).isPositive(); // the report needs embeddings even if the preset takes none
    }

    @Test
    void badSettingsAreUsageErrors() {
        assertThat(commandLine().execute("demo", "--preset", "nope")).isEqualTo(2);
        assertThat(err.toString()).contains("--preset: preset must be one of [simple-grokking");
        assertThat(commandLine().execute("demo", "--train-fraction", "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("training settings: trainFraction must be in (0, 1), got 1.5");
    }

    @Test
    void aTakenMetricsPortFailsBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int code = commandLine().execute("demo", "--metrics-port", String.valueOf(taken.getLocalPort()));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("127.0.0.1:" + taken.getLocalPort() + " is in use");
            assertThat(out.toString()).doesNotContain("Kafka");
        }
    }

    private DemoCommand parse(String... args) {
        CommandLine cl = commandLine();
        cl.parseArgs(args);
        return cl.getSubcommands().get("demo").getCommand();
    }

    private static JsonNode data(String html) throws Exception {
        Matcher m = DATA.matcher(html);
        assertThat(m.find()).isTrue();
        return JsonMapper.builder().build().readTree(m.group(1));
    }

    /** Scrapes until a line matches or the deadline passes (the bridge trails the analyzer a little). */
    private static boolean scrapeUntil(String url, String regex, long deadlineNanos) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Pattern p = Pattern.compile(regex);
        while (System.nanoTime() < deadlineNanos) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && p.matcher(r.body()).find()) return true;
            Thread.sleep(250);
        }
        return false;
    }
}
