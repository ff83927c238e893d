package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GrokkingOnset alert travels from the shipped rules, evaluated by a real Prometheus, through a
 * real Alertmanager running the shipped routing, to a webhook; an alert routed elsewhere does not.
 *
 * <p>The metrics come from a fixed exposition in the bridge's format, so this test does not depend
 * on the bridge; LiveStackTest covers the bridge end to end.
 */
class AlertDeliveryTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String EXPOSITION = """
      # TYPE grokwatch_run_phase gauge
      grokwatch_run_phase{run="jump-1",task="add_mod",model="mlp",phase="MEMORIZED"} 0
      grokwatch_run_phase{run="jump-1",task="add_mod",model="mlp",phase="GENERALIZING"} 1
      grokwatch_run_phase{run="plateau-1",task="add_mod",model="mlp",phase="MEMORIZED"} 1
      grokwatch_run_phase{run="plateau-1",task="add_mod",model="mlp",phase="GENERALIZING"} 0
      grokwatch_run_phase{run="bad-1",task="add_mod",model="transformer",phase="DIVERGED"} 1
      """;

    @Test
    void grokkingOnsetReachesTheWebhookThroughAlertmanager(@TempDir Path tmp) throws IOException {
        Tools.require("prometheus");
        Tools.require("prometheus-alertmanager");
        HttpServer target = exposition();
        String webhookPath = java.net.URI.create(shippedWebhookUrl()).getPath();
        try (WebhookReceiver webhook = WebhookReceiver.start(webhookPath);
                AlertmanagerServer am = AlertmanagerServer.start(tmp, webhook.url());
                PrometheusServer prom = PrometheusServer.builder(tmp)
                        .scrape(
                                "grokwatch-bridge",
                                "127.0.0.1:" + target.getAddress().getPort())
                        .ruleFiles(List.of(
                                DeployFiles.file("prometheus/recording.yml"),
                                DeployFiles.file("prometheus/alerts.yml")))
                        .alertmanager(am.hostPort())
                        .build()
                        .start()) {

            JsonNode onset = webhook.awaitFiring("GrokkingOnset", "jump-1", DEADLINE);
            assertThat(prom.query("ALERTS{alertname=\"GrokkingOnset\", alertstate=\"firing\"}"))
                    .hasSize(1);
            assertThat(onset.path("labels").path("severity").asText()).isEqualTo("info");
            assertThat(onset.path("labels").path("task").asText()).isEqualTo("add_mod");
            assertThat(onset.path("annotations").path("summary").asText())
                    .isEqualTo("Run jump-1 started to generalize");

            // RunDiverged reached Alertmanager too, but its route has no webhook.
            Poll.until(DEADLINE, "RunDiverged for bad-1 in Alertmanager (log: " + am.logTail() + ")", () -> {
                for (JsonNode a : am.alerts()) {
                    if ("RunDiverged".equals(a.path("labels").path("alertname").asText())) return a;
                }
                return null;
            });
            assertThat(webhook.alerts())
                    .allSatisfy(
                            a -> assertThat(a.path("labels").path("alertname").asText())
                                    .isIn("GrokkingOnset", "Grokked"))
                    .noneSatisfy(a ->
                            assertThat(a.path("labels").path("run").asText()).isEqualTo("plateau-1"));
        } finally {
            target.stop(0);
        }
    }

    private static String shippedWebhookUrl() {
        for (JsonNode r : DeployFiles.yaml("alertmanager/alertmanager.yml").path("receivers")) {
            for (JsonNode hook : r.path("webhook_configs"))
                return hook.path("url").asText();
        }
        throw new AssertionError("alertmanager.yml has no webhook receiver");
    }

    /** Serves EXPOSITION on /metrics, as the bridge would. */
    private static HttpServer exposition() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = EXPOSITION.getBytes(StandardCharsets.UTF_8);
        s.createContext("/metrics", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }
}
