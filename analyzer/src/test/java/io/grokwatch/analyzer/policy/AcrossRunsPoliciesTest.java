package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AcrossRunsPoliciesTest {

    /** A run with the same val accuracy at every evaluation, steps 0, every, ..., last. */
    static RecordedRun flat(String name, double acc, long every, long last) {
        List<StepRecord> s = new ArrayList<>();
        for (long t = 0; t <= last; t += every) s.add(StepRecord.of(name, t, 0.01, 1, 10 * (1 - acc), acc));
        return new RecordedRun(name, s);
    }

    static RecordedRun steps(String name, long[] at, double[] acc) {
        List<StepRecord> s = new ArrayList<>();
        for (int i = 0; i < at.length; i++) s.add(StepRecord.of(name, at[i], 0.01, 1, 10 * (1 - acc[i]), acc[i]));
        return new RecordedRun(name, s);
    }

    /** Stop step by run name (null when not stopped). */
    static Map<String, Long> stops(String spec, List<RecordedRun> runs) {
        PolicyResult r = PolicyReplay.replay(runs, List.of(ReplayPolicy.parse(spec)), DetectorConfig.defaults())
                .get(0);
        Map<String, Long> out = new LinkedHashMap<>();
        for (RunOutcome o : r.runs()) out.put(o.run(), o.stopped() ? o.stop().step() : null);
        return out;
    }

    static List<RecordedRun> four() {
        return List.of(
                flat("a", 0.1, 10, 100), flat("b", 0.2, 10, 100), flat("c", 0.3, 10, 100), flat("d", 0.4, 10, 100));
    }

    @Test
    void medianStopsRunsWhoseBestIsBelowTheOthersRunningAverages() {
        Map<String, Long> s = stops("median:val_acc:0:3", four());
        assertThat(s)
                .containsEntry("a", 0L)
                .containsEntry("b", 0L)
                .containsEntry("c", null)
                .containsEntry("d", null);
        // the grace period holds every stop back to the first evaluation at or past it
        assertThat(stops("median:val_acc:35:3", four())).containsEntry("a", 40L).containsEntry("b", 40L);
        // too few other runs: no stop
        assertThat(stops("median:val_acc:0:4", four()).values()).hasSize(4).containsOnlyNulls();
        // on val loss the direction flips and the ranking is the same
        assertThat(stops("median:val_loss:0:3", four())).containsEntry("a", 0L).containsEntry("c", null);
    }

    @Test
    void aTieWithTheMedianDoesNotStop() {
        List<RecordedRun> runs = List.of(
                flat("a", 0.1, 10, 50), flat("b1", 0.25, 10, 50), flat("b2", 0.25, 10, 50), flat("c", 0.5, 10, 50));
        Map<String, Long> s = stops("median:val_acc:0:3", runs);
        // for b1 the others' averages are 0.1, 0.25, 0.5: the median 0.25 equals its best
        assertThat(s).containsEntry("a", 0L).containsEntry("b1", null).containsEntry("b2", null);
    }

    @Test
    void medianComparesTheBestSoFarWithRunningAveragesAndKeepsStoppedRunsInTheMedian() {
        // x peaks early then sits low: its best so far (0.6), not its average, is what is compared
        RecordedRun x = steps("x", new long[] {0, 10, 20, 30, 40}, new double[] {0.6, 0.1, 0.1, 0.1, 0.1});
        // y's late 0.7 comes after it was stopped at step 0
        RecordedRun y = steps("y", new long[] {0, 10, 20, 30, 40}, new double[] {0.3, 0.3, 0.3, 0.3, 0.7});
        RecordedRun z = flat("z", 0.05, 10, 40); // stopped at 0, its average still counts
        RecordedRun w = flat("w", 0.35, 10, 40);
        Map<String, Long> s = stops("median:val_acc:0:3", List.of(x, y, z, w));
        assertThat(s).containsEntry("z", 0L).containsEntry("x", null).containsEntry("w", null);
        // y at step 0: others 0.6, 0.05, 0.35 -> median 0.35 > 0.3
        assertThat(s).containsEntry("y", 0L);
    }

    @Test
    void theOrderOfTheRunsDoesNotChangeAnyStop() {
        List<RecordedRun> runs = new ArrayList<>(four());
        Map<String, Long> median = stops("median:val_acc:0:3", runs);
        Map<String, Long> asha = stops("asha:val_acc:10:2", runs);
        Collections.reverse(runs);
        assertThat(stops("median:val_acc:0:3", runs)).isEqualTo(median);
        assertThat(stops("asha:val_acc:10:2", runs)).isEqualTo(asha);
    }

    @Test
    void ashaKeepsTheTopOneOverEtaAtEachRung() {
        SuccessiveHalving p = (SuccessiveHalving) ReplayPolicy.parse("asha:val_acc:10:2");
        assertThat(List.of(p.rung(0), p.rung(1), p.rung(2), p.rung(3))).containsExactly(10L, 20L, 40L, 80L);
        assertThat(((SuccessiveHalving) ReplayPolicy.parse("asha")).rung(2)).isEqualTo(9000);
        // rung 10: 4 runs, keep 2 (c, d); rung 20: c and d, keep 1 (d); rung 40, 80: d alone goes on
        Map<String, Long> s = stops("asha:val_acc:10:2", four());
        assertThat(s)
                .containsEntry("a", 10L)
                .containsEntry("b", 10L)
                .containsEntry("c", 20L)
                .containsEntry("d", null);
        // eta 4: 4 runs at rung 10, keep 1
        assertThat(stops("asha:val_acc:10:4", four())).containsEntry("c", 10L).containsEntry("d", null);
    }

    @Test
    void ashaKeepsTiesWithTheCutOffAndRanksLaterArrivalsAgainstEverythingRecorded() {
        List<RecordedRun> tied = List.of(flat("a", 0.1, 10, 30), flat("b", 0.4, 10, 30), flat("c", 0.4, 10, 30));
        // rung 10: keep max(1, 3/2) = 1, but b and c are tied at the cut-off: both go on; at rung 20 again
        assertThat(stops("asha:val_acc:10:2", tied))
                .containsEntry("a", 10L)
                .containsEntry("b", null)
                .containsEntry("c", null);
        // late: evaluates only at 0 and 50, passing rungs 10, 20 and 40 at once, against what the others left there
        RecordedRun late = steps("late", new long[] {0, 50}, new double[] {0, 0.2});
        Map<String, Long> s =
                stops("asha:val_acc:10:2", List.of(flat("a", 0.1, 10, 100), flat("d", 0.4, 10, 100), late));
        assertThat(s).containsEntry("a", 10L).containsEntry("d", null).containsEntry("late", 50L);
        // a run that ends before the first rung never competes
        assertThat(stops("asha:val_acc:10:2", List.of(flat("short", 0.0, 5, 5), flat("d", 0.4, 10, 100))))
                .containsEntry("short", null);
    }
}
