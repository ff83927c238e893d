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
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** Runs {@code grokwatch bridge} on a thread against a real broker, scrapes it, and stops it. */
class BridgeCommandTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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
}
