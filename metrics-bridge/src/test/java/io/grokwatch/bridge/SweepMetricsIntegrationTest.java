package io.grokwatch.bridge;

import static io.grokwatch.bridge.MetricsBridgeIntegrationTest.is;
import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A small sweep through a real broker and the real bridge, read through real HTTP scrapes, across a restart. */
class SweepMetricsIntegrationTest {
    private static final String SWEEP = "sw-20261202-160000";

    @Test
    void sweepGaugesFollowTheRunsAndComeBackAfterARestart() throws Exception {
        try (BridgeFixture f = new BridgeFixture("bridge-sweep", Duration.ofMinutes(10))) {
            // A 2 x 2 grid of weight decay by train fraction, one seed: four jobs, and a bad one between them.
            String[] runs = new String[4];
            for (int i = 0; i < 4; i++) {
                runs[i] = String.format("%s-%03d", SWEEP, i);
                f.send(Topics.JOBS, Runs.job(runs[i], SWEEP, point(i)));
                if (i == 1) f.sendRaw(Topics.JOBS, "bad", "{\"type\":\"job\",\"run\":\"bad\",\"time\":1}");
            }
            f.flush();
            f.scrapeUntil(
                    "four queued jobs, one malformed",
                    s -> state(s, "queued") == 4
                            && state(s, "running") == 0
                            && is(s, 1, "grokwatch_bridge_records_malformed_total", "topic", Topics.JOBS)
                            && is(s, 5, "grokwatch_bridge_records_consumed_total", "topic", Topics.JOBS));

            for (int i = 0; i < 3; i++) f.send(Topics.RUNS, Runs.startedInSweep(runs[i], SWEEP, point(i)));
            f.flush();
            f.scrapeUntil("three running", s -> state(s, "queued") == 1 && state(s, "running") == 3);

            // 000 groks, 001 comprehends, 002 memorizes and is stopped; 003 never starts.
            f.send(Topics.EVENTS, Runs.transition(runs[0], Phase.FITTING, Phase.MEMORIZED, 20));
            f.send(Topics.EVENTS, Runs.transition(runs[0], Phase.MEMORIZED, Phase.GENERALIZING, 3000));
            f.send(Topics.EVENTS, Runs.transition(runs[0], Phase.GENERALIZING, Phase.GROKKED, 4400));
            f.send(Topics.EVENTS, Runs.transition(runs[1], Phase.FITTING, Phase.COMPREHENDED, 85));
            f.send(Topics.EVENTS, Runs.transition(runs[2], Phase.FITTING, Phase.MEMORIZED, 30));
            f.flush();
            f.scrapeUntil(
                    "transitions consumed",
                    s -> is(s, 1, "grokwatch_run_phase", "run", runs[1], "phase", "COMPREHENDED")
                            && is(s, 1, "grokwatch_run_phase", "run", runs[2], "phase", "MEMORIZED")
                            && is(s, 1, "grokwatch_run_phase", "run", runs[0], "phase", "GROKKED"));
            assertThat(f.scrape().find("grokwatch_sweep_run_class"))
                    .as("no class before a run finished")
                    .isEmpty();

            f.send(Topics.RUNS, Runs.finished(runs[0], 5000));
            f.send(Topics.RUNS, Runs.finished(runs[1], 5000));
            f.flush();
            f.scrapeUntil("two finished", s -> state(s, "finished") == 2 && state(s, "running") == 1);
            f.send(Topics.RUNS, Runs.finished(runs[2], 5000));
            f.send(Topics.CONTROL, new ControlCommand(SWEEP, "cancel-1", ControlCommand.Command.CANCEL, 9_000, "test"));
            f.flush();
            Scrape live = f.scrapeUntil(
                    "three finished, the sweep cancelled",
                    s -> state(s, "finished") == 3
                            && is(s, 1, "grokwatch_sweep_cancelled", "sweep", SWEEP)
                            && is(s, 1, "grokwatch_sweep_finished_runs", "sweep", SWEEP, "class", "MEMORIZATION"));
            assertFinalSweep(live, runs);

            f.restartBridge();
            Scrape again = f.scrapeUntil("the sweep back after the restart", s -> s.has("grokwatch_sweep_cancelled"));
            assertFinalSweep(again, runs);
            assertThat(sweepSeries(again)).isEqualTo(sweepSeries(live));
            // The per-run series resumed from the group's offsets: nothing was consumed again.
            assertThat(again.value("grokwatch_bridge_records_consumed_total", "topic", Topics.RUNS))
                    .isZero();
        }
    }

    private static void assertFinalSweep(Scrape s, String[] runs) {
        assertThat(state(s, "queued")).isZero();
        assertThat(state(s, "running")).isZero();
        assertThat(state(s, "finished")).isEqualTo(3);
        assertThat(state(s, "cancelled")).isEqualTo(1);
        assertThat(s.value("grokwatch_sweep_finished_runs", "sweep", SWEEP, "class", "GROKKING"))
                .isEqualTo(1);
        assertThat(s.value("grokwatch_sweep_finished_runs", "sweep", SWEEP, "class", "COMPREHENSION"))
                .isEqualTo(1);
        assertThat(s.value("grokwatch_sweep_finished_runs", "sweep", SWEEP, "class", "MEMORIZATION"))
                .isEqualTo(1);
        assertThat(s.value("grokwatch_sweep_finished_runs", "sweep", SWEEP, "class", "CONFUSION"))
                .isZero();
        assertThat(s.find("grokwatch_sweep_info", "sweep", SWEEP).get(0).labels())
                .containsEntry("x_axis", "weightDecay")
                .containsEntry("y_axis", "trainFraction");
        assertThat(s.value("grokwatch_sweep_run_class", "run", runs[0], "x", "0.1", "y", "0.3", "class", "GROKKING"))
                .isEqualTo(2);
        assertThat(s.value("grokwatch_sweep_run_class", "run", runs[1], "x", "1", "y", "0.3", "class", "COMPREHENSION"))
                .isEqualTo(1);
        assertThat(s.value(
                        "grokwatch_sweep_run_class", "run", runs[2], "x", "0.1", "y", "0.7", "class", "MEMORIZATION"))
                .isEqualTo(3);
        assertThat(s.find("grokwatch_sweep_run_class", "run", runs[3])).isEmpty();
    }

    /** The 2 x 2 grid: weight decay 0.1, 1 by train fraction 0.3, 0.7. */
    private static Map<String, Object> point(int i) {
        return SweepTableTest.point(i % 2 == 0 ? 0.1 : 1.0, i < 2 ? 0.3 : 0.7, 0);
    }

    private static double state(Scrape s, String state) {
        return s.has("grokwatch_sweep_runs", "sweep", SWEEP, "state", state)
                ? s.value("grokwatch_sweep_runs", "sweep", SWEEP, "state", state)
                : -1;
    }

    /** Every grokwatch_sweep_* sample as name{labels} = value, sorted. */
    private static Map<String, Double> sweepSeries(Scrape s) {
        Map<String, Double> out = new TreeMap<>();
        for (Scrape.Sample x : s.samples()) {
            if (x.name().startsWith("grokwatch_sweep_")) out.put(x.name() + x.labels(), x.value());
        }
        assertThat(out).isNotEmpty();
        return out;
    }
}
