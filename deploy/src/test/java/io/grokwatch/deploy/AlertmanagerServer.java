package io.grokwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's Alertmanager as a plain process on 127.0.0.1, running the shipped alertmanager.yml with
 * its webhook URLs pointed at a test receiver; routes and timings stay as shipped.
 */
final class AlertmanagerServer implements AutoCloseable {
    private final int port;
    private final ServerProcess process;

    private AlertmanagerServer(int port, ServerProcess process) {
        this.port = port;
        this.process = process;
    }

    static AlertmanagerServer start(Path workDir, String webhookUrl) {
        Path binary = Tools.require("prometheus-alertmanager");
        JsonNode config = DeployFiles.yaml("alertmanager/alertmanager.yml").deepCopy();
        int rewritten = 0;
        for (JsonNode receiver : config.path("receivers")) {
            for (JsonNode hook : receiver.path("webhook_configs")) {
                ((ObjectNode) hook).put("url", webhookUrl);
                rewritten++;
            }
        }
        if (rewritten == 0)
            throw new AssertionError("alertmanager.yml has no webhook_configs to point at the test receiver");
        Path file = workDir.resolve("alertmanager-test.yml");
        DeployFiles.writeYaml(file, config);
        int port = ServerProcess.freePort();
        ServerProcess p = ServerProcess.start(
                "alertmanager",
                List.of(
                        binary.toString(),
                        "--config.file=" + file,
                        "--storage.path=" + workDir.resolve("alertmanager-data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address=",
                        "--log.level=warn"),
                workDir);
        AlertmanagerServer am = new AlertmanagerServer(port, p);
        p.awaitHttpOk(am.url() + "/-/ready", Duration.ofSeconds(30));
        return am;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    String url() {
        return "http://" + hostPort();
    }

    /** Alerts Alertmanager currently holds (API v2), whatever receiver they were routed to. */
    JsonNode alerts() {
        try {
            return DeployFiles.JSON.readTree(
                    ServerProcess.get(url() + "/api/v2/alerts").body());
        } catch (java.io.IOException e) {
            throw new AssertionError("Alertmanager /api/v2/alerts is not JSON", e);
        }
    }

    String logTail() {
        return process.logTail();
    }

    @Override
    public void close() {
        process.close();
    }
}
