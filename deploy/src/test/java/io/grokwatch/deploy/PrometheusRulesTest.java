package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** promtool accepts the Prometheus configs and rules, and the rules' unit tests pass. */
class PrometheusRulesTest {
    static final List<String> REQUIRED_ALERTS = List.of(
            "GrokkingOnset",
            "Grokked",
            "RunDiverged",
            "RunStalled",
            "BridgeDown",
            "KafkaUnreachable",
            "AnalyzerLagHigh");

    @Test
    void promtoolAcceptsBothConfigs() {
        Path promtool = Tools.require("promtool");
        for (String config : List.of("prometheus/prometheus.yml", "prometheus/prometheus-local.yml")) {
            Command.Result r = Command.of(promtool, "check", "config", DeployFiles.file(config))
                    .run();
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.output()).as(r.describe()).contains("2 rule files found");
        }
    }

    @Test
    void promtoolAcceptsTheRules() {
        Path promtool = Tools.require("promtool");
        Command.Result r = Command.of(
                        promtool,
                        "check",
                        "rules",
                        DeployFiles.file("prometheus/recording.yml"),
                        DeployFiles.file("prometheus/alerts.yml"))
                .run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe()).doesNotContain("FAILED");
    }

    @Test
    void ruleUnitTestsPass() {
        Path promtool = Tools.require("promtool");
        List<Path> tests = DeployFiles.list("prometheus/tests", ".yml");
        assertThat(tests).hasSizeGreaterThanOrEqualTo(2);
        List<Object> cmd = new ArrayList<>(List.of(promtool, "test", "rules"));
        cmd.addAll(tests);
        Command.Result r = Command.of(cmd.toArray()).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe()).doesNotContain("FAILED");
    }

    @Test
    void everyAlertHasACaseThatFiresAndOneThatStaysSilent() {
        Set<String> defined = new HashSet<>(alertNames());
        assertThat(defined).containsAll(REQUIRED_ALERTS);
        Map<String, Set<String>> outcomes = new HashMap<>(); // alert -> {"fires", "silent"}
        for (Path test : DeployFiles.list("prometheus/tests", ".yml")) {
            for (JsonNode group : DeployFiles.readYaml(test).path("tests")) {
                for (JsonNode c : group.path("alert_rule_test")) {
                    String outcome = c.path("exp_alerts").isEmpty() ? "silent" : "fires";
                    outcomes.computeIfAbsent(c.path("alertname").asText(), k -> new HashSet<>())
                            .add(outcome);
                }
            }
        }
        for (String alert : defined) {
            assertThat(outcomes.get(alert))
                    .as("promtool cases of alert %s", alert)
                    .containsExactlyInAnyOrder("fires", "silent");
        }
    }

    static List<String> alertNames() {
        List<String> names = new ArrayList<>();
        for (JsonNode group : DeployFiles.yaml("prometheus/alerts.yml").path("groups")) {
            for (JsonNode rule : group.path("rules"))
                names.add(rule.path("alert").asText());
        }
        return names;
    }

    /** Every alert and recording rule expression, with the rule's name. */
    static List<Map.Entry<String, String>> ruleExpressions() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String file : List.of("prometheus/recording.yml", "prometheus/alerts.yml")) {
            for (JsonNode group : DeployFiles.yaml(file).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("alert")
                            ? "alert " + rule.path("alert").asText()
                                    + rule.path("labels").path("cause").asText("")
                            : "record " + rule.path("record").asText();
                    out.add(Map.entry(name, rule.path("expr").asText()));
                }
            }
        }
        return out;
    }
}
