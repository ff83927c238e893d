package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A real scrape, with every kind of series the bridge exports, passes {@code promtool check metrics}. */
class PromtoolCheckTest {

    @Test
    void aFullScrapePassesPromtoolCheckMetrics() throws Exception {
        Path promtool = findOnPath("promtool");
        if (promtool == null) {
            assertThat(System.getenv("CI"))
                    .as("promtool is required in CI: apt-get install -y prometheus")
                    .isNotEqualToIgnoringCase("true");
            assumeThat(promtool)
                    .as("promtool not on PATH (apt-get install -y prometheus); skipping the lint")
                    .isNotNull();
        }

        try (BridgeFixture f = new BridgeFixture("bridge-promtool", Duration.ofMinutes(15))) {
            long t0 = System.currentTimeMillis();
            f.send(Topics.RUNS, Runs.started("p1", "add_mod", "mlp", 1));
            f.send(Topics.METRICS, Runs.step("p1", 0, t0));
            f.send(Topics.METRICS, Runs.step("p1", 100, t0 + 1000));
            // A diverged run: non-finite losses must still make a valid exposition.
            f.send(
                    Topics.METRICS,
                    new StepRecord(
                            "p2",
                            7,
                            Double.NaN,
                            0.5,
                            Double.POSITIVE_INFINITY,
                            0.25,
                            t0,
                            null,
                            null,
                            null,
                            null,
                            null));
            f.send(Topics.EVENTS, Runs.transition("p1", Phase.FITTING, Phase.MEMORIZED, 50));
            f.send(Topics.EVENTS, Runs.transition("p1", Phase.MEMORIZED, Phase.GROKKED, 90));
            f.send(Topics.EVENTS, Runs.alert("p1", AlertKind.GROKKED, 90));
            f.send(Topics.EVENTS, Runs.structure("p1", 100, 0.5, 0.25));
            // A never-forecast: +Inf must lint as a gauge value too.
            f.send(Topics.EVENTS, Runs.forecast("p2", 60, 1_000L, null, null, null));
            f.send(Topics.DLQ, new DlqRecord("p3", Topics.METRICS, 0, 1, "x", "not JSON", t0));
            f.sendRaw(Topics.EVENTS, "p1", "not json at all");
            f.send(Topics.RUNS, Runs.finished("p1", 100));
            // A sweep with a finished, a running and a queued run, a bad job and a cancel.
            f.send(Topics.JOBS, Runs.job("sw-1-000", "sw-1", SweepTableTest.point(0.1, 0.3, 0)));
            f.send(Topics.JOBS, Runs.job("sw-1-001", "sw-1", SweepTableTest.point(1, 0.3, 0)));
            f.send(Topics.JOBS, Runs.job("sw-1-002", "sw-1", SweepTableTest.point(0.1, 0.7, 0)));
            f.sendRaw(Topics.JOBS, "sw-1-003", "{}");
            f.send(Topics.RUNS, Runs.startedInSweep("sw-1-000", "sw-1", SweepTableTest.point(0.1, 0.3, 0)));
            f.send(Topics.RUNS, Runs.startedInSweep("sw-1-001", "sw-1", SweepTableTest.point(1, 0.3, 0)));
            f.send(Topics.EVENTS, Runs.transition("sw-1-000", Phase.FITTING, Phase.COMPREHENDED, 80));
            f.send(Topics.RUNS, Runs.finished("sw-1-000", 100));
            f.send(
                    Topics.CONTROL,
                    new ControlCommand("sw-2", "c-1", ControlCommand.Command.CANCEL, t0, "stop the sweep"));
            f.flush();
            f.commitFromStart(MetricsBridge.ANALYZER_GROUP_ID, Topics.METRICS);

            Scrape s = f.scrapeUntil(
                    "every kind of series present",
                    x -> MetricsBridgeIntegrationTest.is(x, 1, "grokwatch_run_finished", "run", "p1")
                            && x.has("grokwatch_run_train_loss", "run", "p2")
                            && x.has("grokwatch_run_rqi_ratio", "run", "p1")
                            && MetricsBridgeIntegrationTest.is(
                                    x, Double.POSITIVE_INFINITY, "grokwatch_run_forecast_t_val_steps", "run", "p2")
                            && x.has("grokwatch_run_grokking_delay_steps", "run", "p1")
                            && x.has("grokwatch_run_info", "run", "p1")
                            && MetricsBridgeIntegrationTest.is(x, 1, "grokwatch_dlq_records_total")
                            && x.has("grokwatch_sweep_run_class", "run", "sw-1-000")
                            && x.has("grokwatch_sweep_info", "sweep", "sw-1")
                            && MetricsBridgeIntegrationTest.is(x, 1, "grokwatch_sweep_cancelled", "sweep", "sw-2")
                            && MetricsBridgeIntegrationTest.is(
                                    x, 1, "grokwatch_sweep_runs", "sweep", "sw-1", "state", "running")
                            && MetricsBridgeIntegrationTest.is(
                                    x, 1, "grokwatch_bridge_records_malformed_total", "topic", Topics.JOBS)
                            && MetricsBridgeIntegrationTest.is(
                                    x, 1, "grokwatch_bridge_records_malformed_total", "topic", Topics.EVENTS)
                            && x.has(
                                    "grokwatch_consumer_lag_records",
                                    "group",
                                    MetricsBridge.ANALYZER_GROUP_ID,
                                    "topic",
                                    Topics.METRICS));
            assertThat(s.value("grokwatch_run_train_loss", "run", "p2")).isNaN();
            assertThat(s.value("grokwatch_run_val_loss", "run", "p2")).isEqualTo(Double.POSITIVE_INFINITY);

            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectErrorStream(true)
                    .start();
            try (OutputStream in = check.getOutputStream()) {
                in.write(s.text().getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(30, TimeUnit.SECONDS))
                    .as("promtool finished")
                    .isTrue();
            assertThat(check.exitValue())
                    .as("promtool exit code; its output:\n%s\nthe scrape:\n%s", output, s.text())
                    .isZero();
            assertThat(output.strip()).as("promtool lint findings").isEmpty();
        }
    }

    private static Path findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
