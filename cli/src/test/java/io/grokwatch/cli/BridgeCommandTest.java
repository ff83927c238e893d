package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** Runs {@code grokwatch bridge} on a thread against a real broker, scrapes it, and stops it. */
class BridgeCommandTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void servesTheStreamAtThePrintedUrlUntilStopped() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(1).build().start()) {
            RunningCommand<BridgeCommand> bridge = new RunningCommand<>(
                    "bridge",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--port",
                    "0",
                    "--run-ttl",
                    "90s",
                    "--group-id",
                    "bridge-command-test");
            String url = bridge.command.awaitReady(DEADLINE);
            assertThat(url)
                    .as("bridge ready; stderr: %s", bridge.err)
                    .isNotNull()
                    .matches("http://127\\.0\\.0\\.1:\\d+/metrics");
            assertThat(bridge.out.toString())
                    .contains("metrics: " + url)
                    .contains("as group bridge-command-test; run TTL 1m30s");

            send(kafka, StepRecord.of("cli-run", 42, 0.5, 1.0, 2.0, 0.25));
            assertThat(awaitSample(url, "grokwatch_run_step{", "run=\"cli-run\""))
                    .isEqualTo(42.0);
            assertThat(get(url.replace("/metrics", "/-/healthy")).statusCode()).isEqualTo(200);

            bridge.command.requestStop();
            bridge.awaitExit(DEADLINE);
            assertThat(bridge.exitCode.get()).isZero();
            assertThat(bridge.out.toString()).contains("bridge stopped.");
            RunningCommand.assertPortFree(URI.create(url).getPort());
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun ttl = CliRun.grokwatch("bridge", "--run-ttl", "15x");
        assertThat(ttl.exitCode()).isEqualTo(2);
        assertThat(ttl.err()).contains("'15x' is not a positive duration; write e.g. 90s, 15m, 2h or PT15M");

        CliRun port = CliRun.grokwatch("bridge", "--port", "70000");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("--port must be in 0..65535, was 70000");
    }

    @Test
    void withBasicAuthOnlyThePasswordFromTheFileGetsMetrics() throws Exception {
        String password = "s3cret-from-a-file";
        Path file = Files.writeString(dir.resolve("bridge-password"), password + "\n");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(1).build().start()) {
            RunningCommand<BridgeCommand> bridge = new RunningCommand<>(
                    "bridge",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--port",
                    "0",
                    "--group-id",
                    "bridge-basic-auth-test",
                    "--basic-auth-user",
                    "prometheus",
                    "--basic-auth-password-file",
                    file.toString());
            String url = bridge.command.awaitReady(DEADLINE);
            assertThat(url).as("bridge ready; stderr: %s", bridge.err).isNotNull();
            assertThat(bridge.out.toString()).contains("metrics: " + url + " (basic auth, user prometheus)");

            HttpResponse<String> anonymous = get(url);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(get(url, "prometheus", "wrong").statusCode()).isEqualTo(401);
            assertThat(get(url, "prometheus", password + "\n").statusCode())
                    .as("the file's newline is not part of the password")
                    .isEqualTo(401);
            HttpResponse<String> scrape = get(url, "prometheus", password);
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("\ngrokwatch_bridge_up 1");

            bridge.command.requestStop();
            bridge.awaitExit(DEADLINE);
            assertThat(bridge.exitCode.get()).isZero();
            assertThat(bridge.out.toString() + bridge.err).doesNotContain(password);
        }
    }

    @Test
    void basicAuthNeedsBothFlagsAndAPasswordInAReadableFile() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "pw\n");
        assertUsageError(
                "grokwatch bridge: --basic-auth-user and --basic-auth-password-file go together: give both or neither",
                "--basic-auth-user",
                "prometheus");
        assertUsageError(
                "grokwatch bridge: --basic-auth-user and --basic-auth-password-file go together: give both or neither",
                "--basic-auth-password-file",
                file.toString());

        Path missing = dir.resolve("no-such-password");
        assertUsageError(
                "grokwatch bridge: --basic-auth-password-file " + missing
                        + ": cannot read it (no such file); pass a readable file holding the password",
                "--basic-auth-user",
                "prometheus",
                "--basic-auth-password-file",
                missing.toString());
        assertUsageError(
                "grokwatch bridge: --basic-auth-password-file " + dir + ": cannot read it (",
                "--basic-auth-user",
                "prometheus",
                "--basic-auth-password-file",
                dir.toString());

        for (String content : new String[] {"", "\n", "\r\n\n"}) {
            Path empty = Files.writeString(dir.resolve("empty"), content);
            assertUsageError(
                    "grokwatch bridge: --basic-auth-password-file " + empty + " is empty; put the password in it",
                    "--basic-auth-user",
                    "prometheus",
                    "--basic-auth-password-file",
                    empty.toString());
        }
        assertUsageError(
                "grokwatch bridge: --basic-auth-user: basic auth user must not contain ':', got 'a:b'",
                "--basic-auth-user",
                "a:b",
                "--basic-auth-password-file",
                file.toString());
    }

    /** Runs the bridge with {@code args}; it must exit 2 with one line on stderr starting with {@code expected}. */
    private static void assertUsageError(String expected, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "bridge";
        System.arraycopy(args, 0, all, 1, args.length);
        CliRun run = CliRun.grokwatch(all);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith(expected).doesNotContain("\n");
    }

    @Test
    void durationsTakeShortAndIsoForms() {
        BridgeCommand.DurationConverter c = new BridgeCommand.DurationConverter();
        assertThat(c.convert("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.convert("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(c.convert("PT15M")).isEqualTo(Duration.ofMinutes(15));
        assertThatThrownBy(() -> c.convert("0s"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'0s' is not a positive duration; write e.g. 90s, 15m, 2h or PT15M");
    }

    private static void send(EmbeddedKafka kafka, StepRecord step) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.METRICS, Topics.key(step), EventCodec.encode(step)));
        }
    }

    /** Scrapes until a sample line starting with {@code prefix} and containing {@code label} appears. */
    private static double awaitSample(String url, String prefix, String label) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(url).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(prefix) && line.contains(label)) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(
                "no sample " + prefix + "..." + label + " within " + DEADLINE + "; last scrape:\n" + body);
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String user, String password)
            throws IOException, InterruptedException {
        String credentials =
                Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Basic " + credentials)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
