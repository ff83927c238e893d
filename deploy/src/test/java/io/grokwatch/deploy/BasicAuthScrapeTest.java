package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Prometheus scrapes a real bridge that requires basic auth: the job with {@code
 * basic_auth} in its scrape config is up and gets the bridge's metrics; jobs without credentials
 * or with a wrong password are down with a 401.
 */
class BasicAuthScrapeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String USER = "prometheus";
    private static final String PASSWORD = "scrape-me-please";

    @Test
    void prometheusWithBasicAuthScrapesTheBridgeAndWithoutItCannot(@TempDir Path tmp) throws IOException {
        Tools.require("prometheus");
        // A trailing newline, as an editor or `echo` leaves it: Prometheus strips it, like grokwatch bridge does.
        Path passwordFile = Files.writeString(tmp.resolve("bridge-password"), PASSWORD + "\n");
        Path wrongFile = Files.writeString(tmp.resolve("wrong-password"), "not-" + PASSWORD + "\n");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(1).build().start();
                MetricsBridge bridge = MetricsBridge.builder()
                        .kafkaProperties(bootstrap(kafka))
                        .groupId("basic-auth-scrape-test")
                        .port(0)
                        .basicAuth(USER, PASSWORD)
                        .build()
                        .start()) {
            String target = "127.0.0.1:" + bridge.port();
            try (PrometheusServer prometheus = PrometheusServer.builder(tmp)
                    .scrape("grokwatch-bridge", target)
                    .basicAuth("grokwatch-bridge", USER, passwordFile)
                    .scrape("no-credentials", target)
                    .scrape("wrong-password", target)
                    .basicAuth("wrong-password", USER, wrongFile)
                    .build()
                    .start()) {
                Map<String, Double> up = Poll.until(DEADLINE, "a scrape of every job", () -> {
                    Map<String, Double> byJob = new HashMap<>();
                    for (JsonNode s : prometheus.query("up"))
                        byJob.put(s.path("metric").path("job").asText(), value(s));
                    return byJob.size() == 3 ? byJob : null;
                });
                assertThat(up)
                        .as("prometheus log: %s", prometheus.logTail())
                        .containsEntry("grokwatch-bridge", 1.0)
                        .containsEntry("no-credentials", 0.0)
                        .containsEntry("wrong-password", 0.0);

                JsonNode bridgeUp = prometheus.query("grokwatch_bridge_up");
                assertThat(bridgeUp).hasSize(1);
                assertThat(bridgeUp.get(0).path("metric").path("job").asText()).isEqualTo("grokwatch-bridge");
                assertThat(value(bridgeUp.get(0))).isEqualTo(1.0);

                for (String job : List.of("no-credentials", "wrong-password")) {
                    assertThat(lastError(prometheus, job)).as(job).contains("401");
                }
            }
        }
    }

    private static Properties bootstrap(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    private static double value(JsonNode series) {
        return Double.parseDouble(series.path("value").get(1).asText());
    }

    /** The scrape error Prometheus reports for the job's one target. */
    private static String lastError(PrometheusServer prometheus, String job) throws IOException {
        String body = ServerProcess.get(prometheus.url() + "/api/v1/targets?state=active")
                .body();
        for (JsonNode t : DeployFiles.JSON.readTree(body).path("data").path("activeTargets")) {
            if (job.equals(t.path("labels").path("job").asText()))
                return t.path("lastError").asText();
        }
        throw new AssertionError("no target of job " + job + " in " + URI.create(prometheus.url()) + ": " + body);
    }
}
