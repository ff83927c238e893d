package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bridge against a real broker, read through real HTTP scrapes. */
class MetricsBridgeIntegrationTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final String ANALYZER = MetricsBridge.ANALYZER_GROUP_ID;

    @Test
    void exportsTheStreamCountsBadRecordsAndDropsExpiredRuns() throws Exception {
        try (BridgeFixture f = new BridgeFixture("bridge-it", TTL)) {
            long t0 = System.currentTimeMillis();

            // Stage 1: the STALLED alerts must be consumed before the later steps that clear r1's
            // (the metrics and events topics are read in no guaranteed order relative to each other).
            f.send(Topics.RUNS, Runs.started("r1", "add_mod", "mlp", 42));
            for (long step : new long[] {0, 100, 200}) f.send(Topics.METRICS, Runs.step("r1", step, t0 + step * 10));
            f.send(Topics.EVENTS, Runs.alert("r1", AlertKind.STALLED, 200));
            f.send(Topics.METRICS, Runs.step("r2", 10, t0));
            f.send(Topics.EVENTS, Runs.alert("r2", AlertKind.STALLED, 10));
            f.flush();
            f.scrapeUntil(
                    "both runs stalled",
                    s -> is(s, 1, "grokwatch_run_stalled", "run", "r1")
                            && is(s, 200, "grokwatch_run_step", "run", "r1")
                            && is(s, 1, "grokwatch_run_stalled", "run", "r2"));

            // Stage 2: a malformed record in the middle of r1's steps, then the rest of the run.
            f.sendRaw(Topics.METRICS, "r1", "{\"type\":\"step\",\"run\":\"r1\",\"step\":-5");
            for (long step : new long[] {300, 400, 500}) f.send(Topics.METRICS, Runs.step("r1", step, t0 + step * 10));
            f.send(Topics.EVENTS, Runs.transition("r1", Phase.FITTING, Phase.MEMORIZED, 100));
            f.send(Topics.EVENTS, Runs.transition("r1", Phase.MEMORIZED, Phase.GENERALIZING, 300));
            f.send(Topics.EVENTS, Runs.forecast("r1", 200, 5_000L, 9_000L, 700L, null));
            f.send(Topics.EVENTS, Runs.forecast("r1", 300, 5_000L, 450L, 380L, 4_000L));
            f.send(Topics.EVENTS, Runs.alert("r1", AlertKind.VAL_ACC_JUMP, 300));
            f.send(Topics.EVENTS, Runs.transition("r1", Phase.GENERALIZING, Phase.GROKKED, 450));
            f.send(Topics.EVENTS, Runs.structure("r1", 400, 0.8125, 0.6875));
            f.send(Topics.DLQ, new DlqRecord("r9", Topics.METRICS, 0, 3, "{", "not JSON", t0));
            f.send(Topics.RUNS, Runs.started("r2", "mul_mod", "transformer", 7));
            f.send(Topics.RUNS, Runs.finished("r1", 500));
            f.send(Topics.CONTROL, new ControlCommand("r1", "stop-1", ControlCommand.Command.STOP, t0, "auto-stop"));
            f.flush();
            f.commitFromStart(ANALYZER, Topics.METRICS);

            Scrape s = f.scrapeUntil(
                    "r1 finished and grokked, r2 relabelled, lag measured",
                    x -> is(x, 500, "grokwatch_run_step", "run", "r1")
                            && is(x, 1, "grokwatch_run_finished", "run", "r1")
                            && is(x, 1, "grokwatch_run_phase", "run", "r1", "phase", "GROKKED")
                            && is(x, 0.6875, "grokwatch_run_rqi_ratio", "run", "r1")
                            && is(x, 1, "grokwatch_dlq_records_total")
                            && is(x, 1, "grokwatch_run_info", "run", "r2")
                            && is(x, 8, "grokwatch_consumer_lag_records", "group", ANALYZER, "topic", Topics.METRICS)
                            && is(
                                    x,
                                    0,
                                    "grokwatch_consumer_lag_records",
                                    "group",
                                    "bridge-it",
                                    "topic",
                                    Topics.METRICS));

            StepRecord last = Runs.step("r1", 500, t0 + 5000);
            String[] r1 = {"run", "r1", "task", "add_mod", "model", "mlp"};
            assertThat(s.value("grokwatch_run_train_accuracy_ratio", r1))
                    .isEqualTo(last.trainAcc())
                    .isEqualTo(0.9765625);
            assertThat(s.value("grokwatch_run_val_accuracy_ratio", r1))
                    .isEqualTo(last.valAcc())
                    .isEqualTo(0.48828125);
            assertThat(s.value("grokwatch_run_train_loss", r1)).isEqualTo(last.trainLoss());
            assertThat(s.value("grokwatch_run_val_loss", r1)).isEqualTo(last.valLoss());
            assertThat(s.value("grokwatch_run_weight_norm", r1)).isEqualTo(72.5);
            assertThat(s.value("grokwatch_run_weight_distance_ratio", r1)).isEqualTo(500 / 4096.0);
            assertThat(s.value("grokwatch_run_steps_per_second", r1)).isEqualTo(100.0);
            assertThat(s.value("grokwatch_run_memorized_step", r1)).isEqualTo(100);
            assertThat(s.value("grokwatch_run_grokked_step", r1)).isEqualTo(450);
            assertThat(s.value("grokwatch_run_grokking_delay_steps", r1)).isEqualTo(350);
            assertThat(s.value("grokwatch_run_fourier_topk_energy_ratio", r1)).isEqualTo(0.8125);
            // The last forecast wins whole: its high replaces the earlier one's never (+Inf).
            assertThat(s.value("grokwatch_run_forecast_t_val_steps", r1)).isEqualTo(450);
            assertThat(s.value("grokwatch_run_forecast_t_val_low_steps", r1)).isEqualTo(380);
            assertThat(s.value("grokwatch_run_forecast_t_val_high_steps", r1)).isEqualTo(4_000);
            assertThat(s.value("grokwatch_run_forecast_within_budget", r1)).isEqualTo(1);
            assertThat(s.has("grokwatch_run_forecast_t_val_steps", "run", "r2"))
                    .as("a run without a forecast has no forecast series")
                    .isFalse();
            assertThat(s.value("grokwatch_run_stalled", r1)).isZero();
            assertThat(s.value("grokwatch_run_last_update_timestamp_seconds", r1))
                    .isBetween(t0 / 1000.0, f.clock.millis() / 1000.0);
            for (Phase p : Phase.values()) {
                assertThat(s.value("grokwatch_run_phase", "run", "r1", "phase", p.name()))
                        .as("phase %s", p)
                        .isEqualTo(p == Phase.GROKKED ? 1 : 0);
            }
            assertThat(s.find("grokwatch_run_info", "run", "r1").get(0).labels())
                    .containsEntry("task", "add_mod")
                    .containsEntry("model", "mlp")
                    .containsEntry("backend", "CPU test-backend")
                    .containsEntry("version", "0.1.0-test")
                    .containsEntry("seed", "42");

            // r2: steps arrived before run_started, yet no series keeps the "unknown" labels.
            assertThat(s.seriesOfRun("r2"))
                    .isNotEmpty()
                    .allSatisfy(x -> assertThat(x.labels())
                            .containsEntry("task", "mul_mod")
                            .containsEntry("model", "transformer"));
            assertThat(s.value("grokwatch_run_stalled", "run", "r2")).isEqualTo(1);
            assertThat(s.value("grokwatch_run_finished", "run", "r2")).isZero();
            assertThat(s.find("grokwatch_run_grokked_step", "run", "r2"))
                    .as("unknown until GROKKED")
                    .isEmpty();

            assertThat(s.value("grokwatch_transitions_total", "to", "MEMORIZED"))
                    .isEqualTo(1);
            assertThat(s.value("grokwatch_transitions_total", "to", "GROKKED")).isEqualTo(1);
            assertThat(s.value("grokwatch_transitions_total", "to", "DIVERGED")).isZero();
            assertThat(s.value("grokwatch_alerts_total", "kind", "STALLED")).isEqualTo(2);
            assertThat(s.value("grokwatch_alerts_total", "kind", "VAL_ACC_JUMP"))
                    .isEqualTo(1);
            assertThat(s.value("grokwatch_bridge_records_consumed_total", "topic", Topics.METRICS))
                    .isEqualTo(8);
            assertThat(s.value("grokwatch_bridge_records_consumed_total", "topic", Topics.RUNS))
                    .isEqualTo(3);
            assertThat(s.value("grokwatch_bridge_records_consumed_total", "topic", Topics.EVENTS))
                    .isEqualTo(9);
            assertThat(s.value("grokwatch_bridge_records_consumed_total", "topic", Topics.DLQ))
                    .isEqualTo(1);
            assertThat(s.value("grokwatch_bridge_records_malformed_total", "topic", Topics.METRICS))
                    .isEqualTo(1);
            assertThat(s.value("grokwatch_end_to_end_lag_seconds_count")).isEqualTo(7);
            assertThat(s.value("grokwatch_bridge_up")).isEqualTo(1);
            assertThat(s.value("grokwatch_bridge_kafka_reachable")).isEqualTo(1);
            assertThat(healthStatus(f)).isEqualTo(200);
            // Without jobs, nothing of the sweep metrics shows, and the control topic is read but not counted.
            assertThat(s.samples()).noneMatch(x -> x.name().startsWith("grokwatch_sweep_"));
            assertThat(s.text()).doesNotContain(Topics.CONTROL).doesNotContain(Topics.JOBS);

            // Stage 3: past the TTL every per-run series goes; counters stay.
            f.clock.advance(TTL.plusSeconds(1));
            Scrape expired = f.scrapeUntil(
                    "r1 and r2 expired",
                    x -> x.seriesOfRun("r1").isEmpty() && x.seriesOfRun("r2").isEmpty());
            assertThat(expired.value("grokwatch_transitions_total", "to", "GROKKED"))
                    .isEqualTo(1);
            assertThat(expired.value("grokwatch_bridge_records_consumed_total", "topic", Topics.METRICS))
                    .isEqualTo(8);

            // Stage 4: a run that comes back gets its labels back from its earlier run_started.
            f.send(Topics.METRICS, Runs.step("r2", 20, t0));
            f.flush();
            Scrape back = f.scrapeUntil("r2 back", x -> is(x, 20, "grokwatch_run_step", "run", "r2"));
            assertThat(back.find("grokwatch_run_step", "run", "r2", "task", "mul_mod", "model", "transformer"))
                    .hasSize(1);
        }
    }

    @Test
    void saysWhenKafkaStopsAnsweringAndWhenItIsBack() throws Exception {
        try (BridgeFixture f = new BridgeFixture("bridge-outage", TTL)) {
            f.send(Topics.METRICS, Runs.step("r1", 0, System.currentTimeMillis()));
            f.flush();
            f.commitFromStart(ANALYZER, Topics.METRICS);
            // r1's step must be consumed before the broker stops, or the outage would find no series to keep
            f.scrapeUntil(
                    "Kafka reachable, lag measured, r1 consumed",
                    x -> is(x, 1, "grokwatch_bridge_kafka_reachable")
                            && x.has("grokwatch_consumer_lag_records", "group", ANALYZER, "topic", Topics.METRICS)
                            && x.has("grokwatch_run_step", "run", "r1"));

            f.kafka.stop();
            Scrape down = f.scrapeUntil("Kafka unreachable", x -> is(x, 0, "grokwatch_bridge_kafka_reachable"));
            // an unknown lag must not look like a small one; the bridge itself keeps serving
            assertThat(down.has("grokwatch_consumer_lag_records", "group", ANALYZER, "topic", Topics.METRICS))
                    .isFalse();
            assertThat(down.value("grokwatch_bridge_up")).isEqualTo(1);
            assertThat(down.value("grokwatch_run_step", "run", "r1")).isZero();

            f.kafka.start();
            f.scrapeUntil(
                    "Kafka reachable again",
                    x -> is(x, 1, "grokwatch_bridge_kafka_reachable")
                            && x.has("grokwatch_consumer_lag_records", "group", ANALYZER, "topic", Topics.METRICS));
        }
    }

    private static int healthStatus(BridgeFixture f) throws Exception {
        URI health = URI.create(f.bridge.metricsUrl().replace("/metrics", "/-/healthy"));
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** True when exactly one sample matches and has the expected value. */
    static boolean is(Scrape s, double expected, String name, String... labels) {
        return s.has(name, labels) && s.value(name, labels) == expected;
    }
}
