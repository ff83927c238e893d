package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grokwatch.events.FinalClass;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Checks of the dashboards that a JSON schema cannot express. */
class DashboardLintTest {

    @Test
    void theFourDashboardsExistWithUniqueUids() {
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
                        "grokwatch: Runs overview",
                        "grokwatch: Run detail",
                        "grokwatch: Pipeline health",
                        "grokwatch: Sweep");
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
    void sweepIsDrivenByTheSweepVariableAndDrawsThePhaseDiagram() {
        Path file = DeployFiles.file("grafana/dashboards/sweep.json");
        JsonNode d = DeployFiles.readJson(file);
        JsonNode var = d.path("templating").path("list").get(0);
        assertThat(var.path("name").asText()).isEqualTo("sweep");
        assertThat(var.path("query").asText()).isEqualTo("label_values(grokwatch_sweep_info, sweep)");
        for (Dashboards.Query q : Dashboards.queries(file)) {
            assertThat(q.expr()).as(q.toString()).contains("sweep=\"$sweep\"");
        }
        JsonNode diagram = Dashboards.panels(d).stream()
                .filter(p -> p.path("title").asText().equals("Phase diagram"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("sweep.json has no panel \"Phase diagram\""));
        assertThat(diagram.path("type").asText()).isEqualTo("table");
        JsonNode matrix = diagram.path("transformations").get(0);
        assertThat(matrix.path("id").asText()).isEqualTo("groupingToMatrix");
        assertThat(matrix.path("options").path("columnField").asText()).isEqualTo("x");
        assertThat(matrix.path("options").path("rowField").asText()).isEqualTo("y");
        // The cells show class names: every FinalClass has a value mapping from its code.
        JsonNode mapped = diagram.path("fieldConfig")
                .path("defaults")
                .path("mappings")
                .get(0)
                .path("options");
        List<String> texts = new ArrayList<>();
        for (String code : List.of("1", "2", "3", "4"))
            texts.add(mapped.path(code).path("text").asText());
        assertThat(texts)
                .containsExactly(
                        Arrays.stream(FinalClass.values()).map(Enum::name).toArray(String[]::new));
        List<String> stats = new ArrayList<>();
        Dashboards.panels(d).stream()
                .filter(p -> p.path("type").asText().equals("stat"))
                .forEach(p -> stats.add(p.path("title").asText()));
        assertThat(stats).contains("Queued", "Running", "Finished", "Grokked");
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
                                "up{job=\"grokwatch-bridge\"}"),
                "grokwatch: Sweep",
                        List.of(
                                "grokwatch_sweep_runs",
                                "grokwatch_sweep_finished_runs",
                                "grokwatch_sweep_run_class",
                                "grokwatch_sweep_info"));
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
