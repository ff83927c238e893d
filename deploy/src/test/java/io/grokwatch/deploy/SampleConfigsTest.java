package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every shipped sample config parses, and the configs agree with each other. */
class SampleConfigsTest {

    @Test
    void everyYamlAndJsonFileParses() {
        List<Path> yaml = DeployFiles.list(".", ".yml", ".yaml");
        assertThat(yaml)
                .extracting(p -> DeployFiles.root().relativize(p).toString())
                .contains(
                        "docker-compose.yml",
                        "prometheus/prometheus.yml",
                        "prometheus/prometheus-local.yml",
                        "prometheus/recording.yml",
                        "prometheus/alerts.yml",
                        "alertmanager/alertmanager.yml",
                        "grafana/provisioning/datasources/prometheus.yml",
                        "grafana/provisioning/dashboards/grokwatch.yml");
        for (Path p : yaml)
            assertThat(DeployFiles.readYaml(p).isObject()).as(p.toString()).isTrue();
        for (Path p : Dashboards.files())
            assertThat(DeployFiles.readJson(p).isObject()).as(p.toString()).isTrue();
    }

    @Test
    void bothPrometheusConfigsScrapeTheBridgeJobAndLoadExistingRuleFiles() {
        for (String name : List.of("prometheus/prometheus.yml", "prometheus/prometheus-local.yml")) {
            JsonNode c = DeployFiles.yaml(name);
            List<String> jobs = new ArrayList<>();
            c.path("scrape_configs").forEach(j -> jobs.add(j.path("job_name").asText()));
            assertThat(jobs).as(name).contains("grokwatch-bridge");
            assertThat(c.path("rule_files")).as(name).isNotEmpty();
            c.path("rule_files")
                    .forEach(f -> assertThat(Files.isRegularFile(
                                    DeployFiles.file(name).getParent().resolve(f.asText())))
                            .as(name + " " + f)
                            .isTrue());
            assertThat(c.path("alerting").path("alertmanagers")).as(name).isNotEmpty();
        }
        JsonNode local = DeployFiles.yaml("prometheus/prometheus-local.yml");
        assertThat(local.path("scrape_configs")
                        .get(0)
                        .path("static_configs")
                        .get(0)
                        .path("targets")
                        .get(0)
                        .asText())
                .isEqualTo("127.0.0.1:9464");
    }

    @Test
    void dashboardsUseTheProvisionedDatasource() {
        JsonNode ds = DeployFiles.yaml("grafana/provisioning/datasources/prometheus.yml")
                .path("datasources")
                .get(0);
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
        String uid = ds.path("uid").asText();
        for (Path f : Dashboards.files()) {
            for (JsonNode p : Dashboards.panels(DeployFiles.readJson(f))) {
                assertThat(p.path("datasource").path("uid").asText())
                        .as(f.getFileName() + " panel " + p.path("id"))
                        .isEqualTo(uid);
                p.path("targets")
                        .forEach(
                                t -> assertThat(t.path("datasource").path("uid").asText())
                                        .as(f.getFileName() + " panel " + p.path("id"))
                                        .isEqualTo(uid));
            }
        }
    }

    @Test
    void dashboardProviderReadsTheFolderComposeMountsTheDashboardsInto() {
        String path = DeployFiles.yaml("grafana/provisioning/dashboards/grokwatch.yml")
                .path("providers")
                .get(0)
                .path("options")
                .path("path")
                .asText();
        List<String> mounts = new ArrayList<>();
        DeployFiles.yaml("docker-compose.yml")
                .path("services")
                .path("grafana")
                .path("volumes")
                .forEach(v -> mounts.add(v.asText()));
        assertThat(mounts).contains("./grafana/dashboards:" + path + ":ro");
    }

    @Test
    void alertmanagerConfigRoutesGrokkingAlertsToAWebhook() {
        JsonNode route = DeployFiles.yaml("alertmanager/alertmanager.yml").path("route");
        JsonNode grokking = route.path("routes").get(0);
        assertThat(grokking.path("matchers").get(0).asText())
                .contains("GrokkingOnset")
                .contains("Grokked");
        assertThat(grokking.path("receiver").asText()).isEqualTo(AlertmanagerConfigTest.WEBHOOK_RECEIVER);
    }
}
