package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pipeline behind the dashboards: synthetic runs produced to an embedded Kafka broker,
 * the real metrics bridge consuming them, Debian's Prometheus scraping the bridge every second and
 * evaluating the shipped rules, Alertmanager routing to a local webhook. Every PromQL expression
 * of every dashboard and every rule must return data.
 *
 * <p>Nothing is exempt: states that only some runs reach are fed by a run that reaches them
 * (DIVERGE, STALL, JUMP), BridgeDown's {@code up == 0} comes from a second target of the bridge's
 * job that nobody listens on, KafkaUnreachable from a third target, a bridge whose broker address has no broker,
 * and AnalyzerLagHigh from a real backlog of the analyzer's group.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveStackTest {
    private static final Duration STAGE_DEADLINE = Duration.ofSeconds(60);
    private static final Duration DATA_DEADLINE = Duration.ofSeconds(45);
    /** Values for Grafana's variables: the run shown in Run detail, the sweep shown in Sweep, intervals for 1s scrapes. */
    private static final Map<String, String> VARIABLES = Map.of(
            "run",
            SyntheticRuns.GROK,
            "sweep",
            SyntheticRuns.SWEEP,
            "__rate_interval",
            "1m",
            "__interval",
            "15s",
            "__range",
            "5m");
    /** What each dashboard variable must list once the synthetic runs are in. */
    private static final Map<String, List<String>> VARIABLE_VALUES = Map.of(
            "run",
            List.of(SyntheticRuns.GROK, SyntheticRuns.JUMP, SyntheticRuns.DIVERGE, SyntheticRuns.STALL),
            "sweep",
            List.of(SyntheticRuns.SWEEP));

    private EmbeddedKafka kafka;
    private MetricsBridge bridge;
    private MetricsBridge orphan;
    private WebhookReceiver webhook;
    private AlertmanagerServer alertmanager;
    private PrometheusServer prometheus;
    private SyntheticRuns runs;

    @BeforeAll
    void startStackAndFeedRuns(@TempDir Path tmp) {
        Tools.require("prometheus");
        Tools.require("prometheus-alertmanager");
        kafka = EmbeddedKafka.builder().build().start();
        Properties kafkaProps = new Properties();
        kafkaProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        kafkaProps.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "200");
        bridge = MetricsBridge.builder()
                .kafkaProperties(kafkaProps)
                .port(0)
                .lagInterval(Duration.ofMillis(500))
                .build()
                .start();
        Properties noBroker = new Properties();
        noBroker.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + ServerProcess.freePort());
        orphan = MetricsBridge.builder()
                .kafkaProperties(noBroker)
                .port(0)
                .lagInterval(Duration.ofMillis(500))
                .build()
                .start();
        webhook = WebhookReceiver.start("/grokwatch");
        alertmanager = AlertmanagerServer.start(tmp, webhook.url());
        prometheus = PrometheusServer.builder(tmp)
                .scrape(
                        "grokwatch-bridge",
                        "127.0.0.1:" + bridge.port(),
                        "127.0.0.1:" + ServerProcess.freePort(),
                        "127.0.0.1:" + orphan.port())
                .ruleFiles(List.of(
                        DeployFiles.file("prometheus/recording.yml"), DeployFiles.file("prometheus/alerts.yml")))
                .alertmanager(alertmanager.hostPort())
                .build()
                .start();
        runs = new SyntheticRuns(kafka.bootstrapServers());

        // Each stage waits until Prometheus has recorded the phase it produced, so phase changes and
        // alert counter increases happen between scrapes, as they do live.
        runs.memorize();
        awaitPhaseCode(SyntheticRuns.GROK, 2);
        runs.jumpDivergeStall();
        awaitPhaseCode(SyntheticRuns.GROK, 3);
        runs.grok();
        awaitPhaseCode(SyntheticRuns.GROK, 4);
        runs.sweep();
    }

    @AfterAll
    void stopStack() {
        // Reverse order of start; each close tolerates a partly started stack.
        for (AutoCloseable c : new AutoCloseable[] {runs, prometheus, alertmanager, webhook, orphan, bridge, kafka}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }

    @Test
    void everyDashboardQueryReturnsData() {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Dashboards.Query q : Dashboards.allQueries()) queries.put(q.toString(), q.substituted(VARIABLES));
        assertAllReturnData(queries);
    }

    @Test
    void everyRuleExpressionReturnsData() {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Map.Entry<String, String> rule : PrometheusRulesTest.ruleExpressions())
            queries.put(rule.getKey(), rule.getValue());
        assertThat(queries).hasSizeGreaterThanOrEqualTo(14);
        assertAllReturnData(queries);
    }

    @Test
    void everyVariableListsWhatTheRunsMade() {
        for (Map.Entry<String, JsonNode> v : Dashboards.variables()) {
            String query = v.getValue().path("query").asText();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)")
                    .matcher(query);
            assertThat(m.matches())
                    .as(v.getKey() + " variable " + v.getValue().path("name") + ": " + query)
                    .isTrue();
            String name = v.getValue().path("name").asText();
            assertThat(VARIABLE_VALUES)
                    .as("expected values of variable " + name)
                    .containsKey(name);
            List<String> values = Poll.until(DATA_DEADLINE, "values of variable " + name, () -> {
                List<String> found = new ArrayList<>();
                prometheus
                        .query(m.group(1))
                        .forEach(
                                s -> found.add(s.path("metric").path(m.group(2)).asText()));
                return found.containsAll(VARIABLE_VALUES.get(name)) ? found : null;
            });
            assertThat(values).containsAll(VARIABLE_VALUES.get(name));
        }
    }

    @Test
    void thePhaseDiagramQueryGivesEachFinishedRunItsCellAndClass() {
        String sweep = "{sweep=\"" + SyntheticRuns.SWEEP + "\"}";
        Map<String, String> cells = Poll.until(DATA_DEADLINE, "both finished runs of the sweep in Prometheus", () -> {
            Map<String, String> found = new java.util.TreeMap<>();
            for (JsonNode s : prometheus.query("grokwatch_sweep_run_class" + sweep)) {
                JsonNode m = s.path("metric");
                found.put(
                        m.path("x").asText() + "," + m.path("y").asText(),
                        m.path("class").asText() + "=" + s.path("value").get(1).asText());
            }
            return found.size() == 2 ? found : null;
        });
        assertThat(cells).containsExactly(Map.entry("0.1,0.3", "GROKKING=2"), Map.entry("1,0.3", "COMPREHENSION=1"));
        Map<String, String> states = new java.util.TreeMap<>();
        for (JsonNode s : prometheus.query("grokwatch_sweep_runs" + sweep))
            states.put(
                    s.path("metric").path("state").asText(),
                    s.path("value").get(1).asText());
        assertThat(states)
                .containsExactly(
                        Map.entry("cancelled", "0"),
                        Map.entry("finished", "2"),
                        Map.entry("queued", "1"),
                        Map.entry("running", "1"));
    }

    @Test
    void alertsFromTheLiveRunsReachTheWebhook() {
        JsonNode onset = webhook.awaitFiring("GrokkingOnset", SyntheticRuns.JUMP, DATA_DEADLINE);
        assertThat(onset.path("labels").path("model").asText()).isEqualTo("mlp");
        webhook.awaitFiring("Grokked", SyntheticRuns.GROK, DATA_DEADLINE);
        assertThat(webhook.alerts())
                .noneSatisfy(a ->
                        assertThat(a.path("labels").path("alertname").asText()).isEqualTo("RunDiverged"));
    }

    /** Polls every query until each has returned at least one series; then lists those that never did. */
    private void assertAllReturnData(Map<String, String> queries) {
        Map<String, String> pending = new LinkedHashMap<>(queries);
        long end = System.nanoTime() + DATA_DEADLINE.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < end) {
            pending.entrySet().removeIf(q -> prometheus.query(q.getValue()).size() > 0);
            if (!pending.isEmpty()) pause();
        }
        assertThat(pending)
                .as(
                        "expressions that returned no data within %s (Prometheus log: %s)",
                        DATA_DEADLINE, prometheus.logTail())
                .isEmpty();
    }

    private void awaitPhaseCode(String run, int code) {
        Poll.until(
                STAGE_DEADLINE,
                "Prometheus to record phase code " + code + " for " + run,
                () -> prometheus
                                        .query("run:grokwatch_phase:code{run=\"" + run + "\"} == " + code)
                                        .size()
                                > 0
                        ? Boolean.TRUE
                        : null);
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
