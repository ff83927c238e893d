package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Checks of the dashboards that a JSON schema cannot express. */
class DashboardLintTest {

    @Test
    void theThreeDashboardsExistWithUniqueUids() {
        List<String> titles = new ArrayList<>();
        Set<String> uids = new HashSet<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = DeployFiles.readJson(f);
            titles.add(d.path("title").asText());
            assertThat(uids.add(d.path("uid").asText()))
                    .as("uid of " + f.getFileName() + " is unique")
                    .isTrue();
        }
        assertThat(titles)
                .containsExactlyInAnyOrder(
                        "grokwatch: Runs overview", "grokwatch: Run detail", "grokwatch: Pipeline health");
    }

    @Test
    void panelIdsAreUniqueWithinEachDashboard() {
        for (Path f : Dashboards.files()) {
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : Dashboards.panels(DeployFiles.readJson(f))) {
                assertThat(p.path("id").isInt())
                        .as(f.getFileName() + " panel \"" + p.path("title").asText() + "\" has an id")
                        .isTrue();
                assertThat(ids.add(p.path("id").asInt()))
                        .as(f.getFileName() + " panel id " + p.path("id") + " is unique")
                        .isTrue();
            }
        }
    }

    @Test
    void noQueryIsEmptyAndRefIdsAreUniquePerPanel() {
        assertThat(Dashboards.allQueries())
                .hasSizeGreaterThan(20)
                .allSatisfy(q -> assertThat(q.expr()).as(q.toString()).isNotBlank());
        for (Path f : Dashboards.files()) {
            for (JsonNode p : Dashboards.panels(DeployFiles.readJson(f))) {
                if ("row".equals(p.path("type").asText())) continue;
                assertThat(p.path("targets"))
                        .as(f.getFileName() + " panel " + p.path("id") + " has queries")
                        .isNotEmpty();
                Set<String> refIds = new HashSet<>();
                p.path("targets")
                        .forEach(t -> assertThat(refIds.add(t.path("refId").asText()))
                                .as(f.getFileName() + " panel " + p.path("id") + " refId " + t.path("refId"))
                                .isTrue());
            }
        }
    }

    @Test
    void runDetailIsDrivenByTheRunVariable() {
        JsonNode d = DeployFiles.readJson(DeployFiles.file("grafana/dashboards/run-detail.json"));
        JsonNode var = d.path("templating").path("list").get(0);
        assertThat(var.path("name").asText()).isEqualTo("run");
        assertThat(var.path("query").asText()).isEqualTo("label_values(grokwatch_run_info, run)");
        for (Dashboards.Query q : Dashboards.queries(DeployFiles.file("grafana/dashboards/run-detail.json"))) {
            if (q.where().contains("Analyzer alerts (all runs)")) continue; // grokwatch_alerts_total has no run label
            assertThat(q.expr()).as(q.toString()).contains("run=\"$run\"");
        }
        List<String> types = new ArrayList<>();
        Dashboards.panels(d).forEach(p -> types.add(p.path("type").asText()));
        assertThat(types).contains("state-timeline", "timeseries", "stat");
        List<String> annotationExprs = new ArrayList<>();
        d.path("annotations")
                .path("list")
                .forEach(a -> annotationExprs.add(a.path("expr").asText()));
        assertThat(annotationExprs).anySatisfy(e -> assertThat(e).startsWith("ALERTS{"));
    }

    @Test
    void dashboardsCoverTheMetricsTheIssueNames() {
        Map<String, List<String>> expected = Map.of(
                "grokwatch: Runs overview",
                        List.of(
                                "run:grokwatch_phase:code",
                                "grokwatch_run_val_accuracy_ratio",
                                "run:grokwatch_grokking_delay:steps"),
                "grokwatch: Run detail",
                        List.of(
                                "grokwatch_run_train_accuracy_ratio",
                                "grokwatch_run_val_loss",
                                "grokwatch_run_weight_norm",
                                "grokwatch_run_fourier_topk_energy_ratio",
                                "grokwatch_run_rqi_ratio",
                                "ALERTS"),
                "grokwatch: Pipeline health",
                        List.of(
                                "grokwatch_bridge_records_consumed_total",
                                "grokwatch_dlq_records_total",
                                "grokwatch_consumer_lag_records",
                                "grokwatch_end_to_end_lag_seconds_bucket",
                                "up{job=\"grokwatch-bridge\"}"));
        expected.forEach((dashboard, metrics) -> {
            String all = String.join(
                    "\n",
                    Dashboards.allQueries().stream()
                            .filter(q -> q.dashboard().equals(dashboard))
                            .map(Dashboards.Query::expr)
                            .toList());
            for (String m : metrics)
                assertThat(all).as(dashboard + " queries " + m).contains(m);
        });
    }
}
