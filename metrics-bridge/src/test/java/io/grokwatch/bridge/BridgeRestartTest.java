package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.RunFinished;
import io.grokwatch.events.Topics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A restarted bridge shows the runs it showed before, from the topics, without a new record: a finished run too,
 * until its TTL; and it counts nothing twice (its counters restart from zero, which Prometheus reads as a reset).
 */
class BridgeRestartTest {

    @Test
    void gaugesComeBackFromTheTopicsAndNothingIsCountedTwice() throws Exception {
        try (BridgeFixture f = new BridgeFixture("restart-test", Duration.ofMinutes(15))) {
            long now = System.currentTimeMillis();
            f.send(Topics.RUNS, Runs.started("live-1", "add_mod", "mlp", 1));
            f.send(Topics.RUNS, Runs.started("done-1", "add_mod", "mlp", 2));
            for (long step = 0; step <= 400; step += 100) {
                f.send(Topics.METRICS, Runs.step("live-1", step, now));
                f.send(Topics.METRICS, Runs.step("done-1", step, now));
            }
            f.send(Topics.RUNS, new RunFinished("done-1", now, RunFinished.Status.COMPLETED, "budget", 400));
            f.flush();
            Scrape before = f.scrapeUntil(
                    "both runs at step 400, one finished",
                    s -> s.has("grokwatch_run_step", "run", "live-1")
                            && s.value("grokwatch_run_step", "run", "live-1") == 400
                            && s.has("grokwatch_run_finished", "run", "done-1")
                            && s.value("grokwatch_run_finished", "run", "done-1") == 1);
            assertThat(before.value("grokwatch_bridge_records_consumed_total", "topic", Topics.METRICS))
                    .isEqualTo(10);
            f.scrapeUntil(
                    "the group's offsets committed", s -> committed(s, Topics.METRICS) && committed(s, Topics.RUNS));

            f.restartBridge();
            Scrape after = f.scrapeUntil(
                    "both runs back without a new record",
                    s -> s.has("grokwatch_run_step", "run", "live-1")
                            && s.has("grokwatch_run_finished", "run", "done-1"));
            for (String run : new String[] {"live-1", "done-1"}) {
                assertThat(after.value("grokwatch_run_step", "run", run))
                        .as(run)
                        .isEqualTo(400);
                assertThat(after.value("grokwatch_run_val_accuracy_ratio", "run", run))
                        .isEqualTo(before.value("grokwatch_run_val_accuracy_ratio", "run", run));
            }
            assertThat(after.value("grokwatch_run_finished", "run", "done-1")).isEqualTo(1);
            assertThat(after.value("grokwatch_run_finished", "run", "live-1")).isZero();
            assertThat(after.value("grokwatch_bridge_records_consumed_total", "topic", Topics.METRICS))
                    .as("the records read to restore are not counted again")
                    .isZero();

            f.send(Topics.METRICS, Runs.step("live-1", 500, now));
            f.flush();
            Scrape later = f.scrapeUntil("the next step", s -> s.value("grokwatch_run_step", "run", "live-1") == 500);
            assertThat(later.value("grokwatch_bridge_records_consumed_total", "topic", Topics.METRICS))
                    .isEqualTo(1);
        }
    }

    private static boolean committed(Scrape s, String topic) {
        return s.has("grokwatch_consumer_lag_records", "group", "restart-test", "topic", topic)
                && s.value("grokwatch_consumer_lag_records", "group", "restart-test", "topic", topic) == 0;
    }
}
