package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** amtool accepts alertmanager.yml and routes the grokking alerts, and only those, to the webhook. */
class AlertmanagerConfigTest {
    static final String WEBHOOK_RECEIVER = "grokking-webhook";

    @Test
    void amtoolAcceptsTheConfig() {
        Path amtool = Tools.require("amtool");
        Command.Result r = Command.of(amtool, "check-config", DeployFiles.file("alertmanager/alertmanager.yml"))
                .run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe()).contains("SUCCESS");
    }

    @Test
    void grokkingAlertsRouteToTheWebhookAndOthersDoNot() {
        Path amtool = Tools.require("amtool");
        assertThat(routeOf(amtool, "GrokkingOnset")).isEqualTo(WEBHOOK_RECEIVER);
        assertThat(routeOf(amtool, "Grokked")).isEqualTo(WEBHOOK_RECEIVER);
        assertThat(routeOf(amtool, "RunDiverged")).isEqualTo("ui-only");
        assertThat(routeOf(amtool, "BridgeDown")).isEqualTo("ui-only");
        assertThat(routeOf(amtool, "KafkaUnreachable")).isEqualTo("ui-only");
    }

    @Test
    void theWebhookReceiverHasAWebhook() {
        JsonNode config = DeployFiles.yaml("alertmanager/alertmanager.yml");
        JsonNode webhook = null;
        for (JsonNode r : config.path("receivers")) {
            if (WEBHOOK_RECEIVER.equals(r.path("name").asText())) webhook = r;
        }
        assertThat(webhook).as("receiver " + WEBHOOK_RECEIVER).isNotNull();
        assertThat(webhook.path("webhook_configs").path(0).path("url").asText()).startsWith("http");
    }

    private static String routeOf(Path amtool, String alertname) {
        Command.Result r = Command.of(
                        amtool,
                        "config",
                        "routes",
                        "test",
                        "--config.file=" + DeployFiles.file("alertmanager/alertmanager.yml"),
                        "alertname=" + alertname,
                        "run=r1")
                .run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        // amtool may print a warning line first; the receiver name is the last line.
        String[] lines = r.output().strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
