package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docker-compose accepts the stack, and the stack keeps the rules of the issue (ports, password, commands). */
class ComposeFileTest {
    private static final JsonNode COMPOSE = DeployFiles.yaml("docker-compose.yml");

    @Test
    void dockerComposeAcceptsTheFile() {
        Path compose = Tools.require("docker-compose");
        Command.Result r = Command.of(compose, "-f", DeployFiles.file("docker-compose.yml"), "config", "-q")
                .env("GRAFANA_ADMIN_PASSWORD", "test-only-password")
                .run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
    }

    @Test
    void dockerComposeRefusesToStartWithoutAGrafanaPassword() {
        Path compose = Tools.require("docker-compose");
        Command.Result r = Command.of(compose, "-f", DeployFiles.file("docker-compose.yml"), "config", "-q")
                .withoutEnv("GRAFANA_ADMIN_PASSWORD")
                .run();
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(r.output()).contains("set GRAFANA_ADMIN_PASSWORD");
    }

    @Test
    void everyPublishedPortIsBoundToLoopback() {
        List<String> ports = new ArrayList<>();
        services().forEach((name, s) -> s.path("ports").forEach(p -> ports.add(name + " " + p.asText())));
        assertThat(ports)
                .isNotEmpty()
                .allSatisfy(p -> assertThat(p.split(" ")[1]).startsWith("127.0.0.1:"));
        assertThat(ports)
                .contains(
                        "bridge 127.0.0.1:9464:9464",
                        "prometheus 127.0.0.1:9090:9090",
                        "alertmanager 127.0.0.1:9093:9093",
                        "grafana 127.0.0.1:3000:3000");
    }

    @Test
    void servicesRunWhatTheIssueAsksFor() {
        Map<String, JsonNode> s = services();
        assertThat(s.keySet())
                .contains("kafka", "analyzer", "bridge", "trainer", "prometheus", "alertmanager", "grafana");
        assertThat(s.get("kafka").path("image").asText()).startsWith("apache/kafka:4.1.");
        assertThat(s.get("kafka")
                        .path("environment")
                        .path("KAFKA_PROCESS_ROLES")
                        .asText())
                .isEqualTo("broker,controller");
        assertThat(command(s.get("analyzer"))).containsExactly("analyze", "--bootstrap-servers", "kafka:9092");
        assertThat(command(s.get("bridge")))
                .containsExactly("bridge", "--bootstrap-servers", "kafka:9092", "--host", "0.0.0.0");
        assertThat(command(s.get("trainer"))).startsWith("train", "--bootstrap-servers", "kafka:9092");
        assertThat(s.get("trainer").path("profiles").toString()).isEqualTo("[\"train\"]");
        for (String app : List.of("analyzer", "bridge", "trainer")) {
            assertThat(s.get(app).path("build").path("dockerfile").asText())
                    .as(app)
                    .endsWith("deploy/Dockerfile");
        }
    }

    @Test
    void grafanaTakesItsAdminPasswordFromTheEnvironment() {
        JsonNode env = services().get("grafana").path("environment");
        assertThat(env.path("GF_SECURITY_ADMIN_PASSWORD").asText())
                .isEqualTo("${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}");
    }

    @Test
    void longRunningServicesHaveHealthChecksAndVolumes() {
        Map<String, JsonNode> s = services();
        for (String name : List.of("kafka", "bridge", "prometheus", "alertmanager", "grafana")) {
            assertThat(s.get(name).path("healthcheck").path("test").isMissingNode())
                    .as(name + " healthcheck")
                    .isFalse();
        }
        for (String name : List.of("kafka", "prometheus", "alertmanager", "grafana")) {
            assertThat(s.get(name).path("volumes").isEmpty())
                    .as(name + " volumes")
                    .isFalse();
        }
    }

    @Test
    void mountedDeployFilesExist() {
        // Relative bind mounts (./prometheus, ./grafana/...) must point at files shipped in deploy/.
        services()
                .forEach((name, svc) -> svc.path("volumes").forEach(v -> {
                    String source = v.asText().split(":")[0];
                    if (source.startsWith("./")) {
                        assertThat(Files.exists(DeployFiles.root().resolve(source)))
                                .as(name + " mounts " + source)
                                .isTrue();
                    }
                }));
    }

    @Test
    void dockerfileRunsTheShadedJarOnTemurin17() throws Exception {
        List<String> lines = Files.readAllLines(DeployFiles.file("Dockerfile"));
        assertThat(lines).contains("FROM eclipse-temurin:17-jre", "COPY grokwatch.jar /opt/grokwatch/grokwatch.jar");
        assertThat(lines)
                .anySatisfy(l ->
                        assertThat(l).isEqualTo("ENTRYPOINT [\"java\", \"-jar\", \"/opt/grokwatch/grokwatch.jar\"]"));
        // The compose build context is cli/target, where the shade plugin writes grokwatch.jar.
        assertThat(services().get("bridge").path("build").path("context").asText())
                .isEqualTo("../cli/target");
    }

    private static Map<String, JsonNode> services() {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        COMPOSE.path("services").properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<String> command(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("command").forEach(c -> out.add(c.asText()));
        return out;
    }
}
