package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.bridge.SweepTable.State;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Phase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sweep state the bridge derives from jobs, runs, transitions and CANCEL, in any order. */
class SweepTableTest {
    private static final String SWEEP = "sw-1";

    @Test
    void aRunMovesFromQueuedToRunningToFinishedWithItsClass() {
        SweepTable t = new SweepTable();
        assertThat(t.apply(Runs.job("sw-1-000", SWEEP, point(0.3, 0.4, 0)))).isEqualTo(SWEEP);
        assertThat(t.view(SWEEP).countByState()).containsEntry(State.QUEUED, 1).containsEntry(State.RUNNING, 0);

        t.apply(Runs.startedInSweep("sw-1-000", SWEEP, point(0.3, 0.4, 0)));
        assertThat(t.view(SWEEP).countByState()).containsEntry(State.QUEUED, 0).containsEntry(State.RUNNING, 1);

        t.apply(Runs.transition("sw-1-000", Phase.FITTING, Phase.MEMORIZED, 20));
        t.apply(Runs.transition("sw-1-000", Phase.MEMORIZED, Phase.GROKKED, 4400));
        t.apply(Runs.finished("sw-1-000", 5000));
        SweepTable.SweepView v = t.view(SWEEP);
        assertThat(v.countByState()).containsEntry(State.RUNNING, 0).containsEntry(State.FINISHED, 1);
        assertThat(v.finishedByClass()).containsEntry(FinalClass.GROKKING, 1).containsEntry(FinalClass.CONFUSION, 0);
        assertThat(v.runs())
                .containsExactly(
                        new SweepTable.SweepRun("sw-1-000", "0.3", "0.4", State.FINISHED, FinalClass.GROKKING));
        assertThat(v.xAxis()).isEqualTo("weightDecay");
        assertThat(v.yAxis()).isEqualTo("trainFraction");
    }

    @Test
    void theClassIsTheAnalyzersFromItsTransitions() {
        assertThat(SweepTable.finalClass(Phase.GROKKED, true)).isEqualTo(FinalClass.GROKKING);
        assertThat(SweepTable.finalClass(Phase.COMPREHENDED, true)).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(SweepTable.finalClass(Phase.COMPREHENDED, false)).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(SweepTable.finalClass(null, true)).isEqualTo(FinalClass.MEMORIZATION);
        assertThat(SweepTable.finalClass(null, false)).isEqualTo(FinalClass.CONFUSION);

        // t_val is the first time validation got there: a regression and a second crossing keep the class.
        SweepTable t = new SweepTable();
        t.apply(Runs.job("r", SWEEP, point(1, 0.5, 0)));
        t.apply(Runs.transition("r", Phase.FITTING, Phase.COMPREHENDED, 80));
        t.apply(Runs.transition("r", Phase.COMPREHENDED, Phase.REGRESSED, 900));
        t.apply(Runs.transition("r", Phase.REGRESSED, Phase.GROKKED, 3000));
        t.apply(Runs.finished("r", 5000));
        assertThat(t.view(SWEEP).runs().get(0).finalClass()).isEqualTo(FinalClass.COMPREHENSION);
    }

    @Test
    void theSameRecordsInAnyOrderGiveTheSameSweep() {
        List<Event> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String run = String.format("sw-1-%03d", i);
            Map<String, Object> p = point(i % 3 * 0.5, i / 3 * 0.25 + 0.25, 0);
            records.add(Runs.job(run, SWEEP, p));
            if (i < 5) records.add(Runs.startedInSweep(run, SWEEP, p));
            if (i < 4) records.add(Runs.finished(run, 5000));
            if (i % 2 == 0) records.add(Runs.transition(run, Phase.FITTING, Phase.MEMORIZED, 20));
            if (i == 0) records.add(Runs.transition(run, Phase.MEMORIZED, Phase.GROKKED, 3000));
        }
        // Not in any job: a run of the sweep known only by its run_started.
        records.add(Runs.startedInSweep("sw-1-006", SWEEP, point(1, 0.75, 1)));
        // Outside every sweep.
        records.add(Runs.started("solo", "add_mod", "mlp", 1));
        records.add(Runs.transition("solo", Phase.FITTING, Phase.MEMORIZED, 20));

        SweepTable.SweepView inOrder = replay(records);
        assertThat(inOrder.countByState())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(State.QUEUED, 1, State.RUNNING, 2, State.FINISHED, 4, State.CANCELLED, 0));
        assertThat(inOrder.finishedByClass())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        FinalClass.GROKKING, 1,
                        FinalClass.MEMORIZATION, 1,
                        FinalClass.CONFUSION, 2,
                        FinalClass.COMPREHENSION, 0));
        Random random = new Random(12);
        for (int i = 0; i < 20; i++) {
            List<Event> shuffled = new ArrayList<>(records);
            Collections.shuffle(shuffled, random);
            SweepTable.SweepView v = replay(shuffled);
            assertThat(v.countByState()).isEqualTo(inOrder.countByState());
            assertThat(v.finishedByClass()).isEqualTo(inOrder.finishedByClass());
            assertThat(v.runs()).containsExactlyInAnyOrderElementsOf(inOrder.runs());
        }
    }

    @Test
    void aCancelledSweepHasNoQueuedRunsLeft() {
        SweepTable t = new SweepTable();
        t.apply(Runs.job("a", SWEEP, point(0.1, 0.2, 0)));
        t.apply(Runs.job("b", SWEEP, point(0.1, 0.4, 0)));
        t.apply(Runs.startedInSweep("a", SWEEP, point(0.1, 0.2, 0)));
        assertThat(t.apply(new ControlCommand(SWEEP, "c1", ControlCommand.Command.CANCEL, 2_000, "user")))
                .isEqualTo(SWEEP);
        assertThat(t.apply(new ControlCommand("a", "s1", ControlCommand.Command.STOP, 2_000, "user")))
                .isNull();
        SweepTable.SweepView v = t.view(SWEEP);
        assertThat(v.cancelled()).isTrue();
        assertThat(v.countByState())
                .containsEntry(State.QUEUED, 0)
                .containsEntry(State.CANCELLED, 1)
                .containsEntry(State.RUNNING, 1);
    }

    @Test
    void gridValuesReadAsTheyWereWritten() {
        assertThat(SweepTable.label(0.3)).isEqualTo("0.3");
        assertThat(SweepTable.label(1.0)).isEqualTo("1");
        assertThat(SweepTable.label(1)).isEqualTo("1");
        assertThat(SweepTable.label(1e-4)).isEqualTo("0.0001");
        assertThat(SweepTable.label(300.0)).isEqualTo("300");
        assertThat(SweepTable.label("adamw")).isEqualTo("adamw");
        assertThat(SweepTable.label(true)).isEqualTo("true");
    }

    @Test
    void axesAreTheFirstTwoSettingsWithSeedAsTheSecondForAOneAxisGrid() {
        Map<String, Object> oneAxis = new LinkedHashMap<>();
        oneAxis.put("hidden", 64);
        oneAxis.put("seed", 3);
        assertThat(SweepTable.axesOf(oneAxis)).containsExactly("hidden", "seed");
        assertThat(SweepTable.axesOf(point(0.1, 0.2, 1))).containsExactly("weightDecay", "trainFraction");
        Map<String, Object> three = new LinkedHashMap<>(point(0.1, 0.2, 1));
        three.put("lr", 0.01);
        assertThat(SweepTable.axesOf(three)).containsExactly("weightDecay", "trainFraction");
        assertThat(SweepTable.axesOf(Map.of("hidden", 8))).containsExactly("hidden");
    }

    @Test
    void theJobsPointOrdersTheAxesEvenWhenRunStartedCameFirst() {
        SweepTable t = new SweepTable();
        // run_started's config is written with sorted keys: trainFraction before weightDecay.
        Map<String, Object> sorted = new java.util.TreeMap<>(point(0.1, 0.2, 0));
        t.apply(Runs.startedInSweep("a", SWEEP, sorted));
        assertThat(t.view(SWEEP).xAxis()).isEqualTo("trainFraction");
        t.apply(Runs.job("b", SWEEP, point(0.1, 0.4, 0)));
        assertThat(t.view(SWEEP).xAxis()).isEqualTo("weightDecay");
        t.apply(Runs.startedInSweep("c", SWEEP, sorted));
        assertThat(t.view(SWEEP).xAxis()).isEqualTo("weightDecay");
        assertThat(t.view(SWEEP).runs().get(0).x()).isEqualTo("0.1");
    }

    @Test
    void jobsOutsideASweepAndUnknownSweepsShowNothing() {
        SweepTable t = new SweepTable();
        assertThat(t.apply(Runs.job("alone", "", point(0.1, 0.2, 0)))).isNull();
        assertThat(t.apply(Runs.step("alone", 10, 1_000))).isNull();
        assertThat(t.sweepIds()).isEmpty();
        assertThat(t.view("nope")).isNull();
    }

    private static SweepTable.SweepView replay(List<Event> records) {
        SweepTable t = new SweepTable();
        records.forEach(t::apply);
        return t.view(SWEEP);
    }

    /** A grid point in the sweep command's order: weight decay, then train fraction, then the seed. */
    static Map<String, Object> point(double weightDecay, double trainFraction, long seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("weightDecay", weightDecay);
        p.put("trainFraction", trainFraction);
        p.put("seed", seed);
        return p;
    }
}
