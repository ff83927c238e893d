package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyReplayTest {

    /** Train fits at ~280, val stays at 0.05 to step 8000. */
    static List<StepRecord> memorizing(String run) {
        List<StepRecord> out = new ArrayList<>();
        for (long s = 0; s <= 8000; s += 10) {
            double tr = 0.02 + 0.98 / (1 + Math.exp(-(s - 200) / 25.0));
            out.add(StepRecord.of(run, s, 4 * (1 - tr) + 1e-3, tr, 6 + s / 4000.0, 0.05));
        }
        return out;
    }

    static List<StepRecord> grokking(String run) {
        return StopPolicyTest.grokking().stream()
                .map(s -> StepRecord.of(run, s.step(), s.trainLoss(), s.trainAcc(), s.valLoss(), s.valAcc()))
                .toList();
    }

    static final DetectorConfig C = DetectorConfig.defaults();

    @Test
    void outcomesMeasureKilledGrokkersSavedStepsAndRegretAgainstTheWholeRun() {
        List<RecordedRun> runs = List.of(new RecordedRun("g", grokking("g")), new RecordedRun("m", memorizing("m")));
        RunSummary whole = OfflineClassifier.classify(grokking("g"), C);
        List<PolicyResult> results = PolicyReplay.replay(
                runs, List.of(ReplayPolicy.parse("memorized+1000"), ReplayPolicy.parse("budget:100000")), C);

        PolicyResult naive = results.get(0);
        assertThat(naive.policy()).isEqualTo("memorized+1000");
        RunOutcome g = naive.runs().get(0);
        assertThat(g.run()).isEqualTo("g");
        assertThat(g.tVal()).isEqualTo(whole.tVal());
        assertThat(g.finalClass()).isEqualTo(FinalClass.GROKKING);
        assertThat(g.stop().step()).isEqualTo(whole.tTrain() + 1000).isLessThan(whole.tVal());
        assertThat(g.killedGrokker()).isTrue();
        assertThat(g.stepsSaved()).isEqualTo(8000 - g.stop().step());
        StepRecord atStop = grokking("g").get((int) (g.stop().step() / 10));
        assertThat(g.valAccAtStop()).isEqualTo(atStop.valAcc());
        assertThat(g.bestValAcc()).isEqualTo(grokking("g").get(800).valAcc()); // the sigmoid's top, at the end
        assertThat(g.regret()).isCloseTo(g.bestValAcc() - atStop.valAcc(), within(1e-12));
        RunOutcome m = naive.runs().get(1);
        assertThat(m.tVal()).isNull();
        assertThat(m.stoppedNonGrokker()).isTrue();
        assertThat(m.killedGrokker()).isFalse();
        assertThat(naive.killedGrokkers()).isEqualTo(1);
        assertThat(naive.stoppedNonGrokkers()).isEqualTo(1);
        assertThat(naive.nonGrokkers()).isEqualTo(1);
        assertThat(naive.stepsRun()).isEqualTo(16000);
        assertThat(naive.stepsSaved()).isEqualTo(g.stepsSaved() + m.stepsSaved());
        assertThat(naive.stepsSavedPercent()).isCloseTo(100.0 * naive.stepsSaved() / 16000, within(1e-9));
        assertThat(naive.stepsSavedOnNonGrokkersPercent()).isCloseTo(100.0 * m.stepsSaved() / 8000, within(1e-9));
        assertThat(naive.meanValAccAtEnd()).isCloseTo((g.valAccAtEnd() + 0.05) / 2, within(1e-12));

        PolicyResult none = results.get(1);
        assertThat(none.stopped()).isZero();
        assertThat(none.stepsSaved()).isZero();
        assertThat(none.runs().get(0).endStep()).isEqualTo(8000);
        assertThat(none.meanRegret()).isCloseTo(0, within(1e-12)); // both runs are at their best at the end
    }

    @Test
    void restoreBestIsMeasuredAtTheReportedStep() {
        // val acc peaks at step 20 then decays: patience stops later, restore-best goes back to 20
        List<StepRecord> s = Seq.valAcc("p", 10, 0.2, 0.5, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2);
        RunOutcome o = PolicyReplay.replay(
                        List.of(new RecordedRun("p", s)), List.of(ReplayPolicy.parse("patience:val_acc:3e")), C)
                .get(0)
                .runs()
                .get(0);
        assertThat(o.stop().step()).isEqualTo(50);
        assertThat(o.stop().restoreStep()).isEqualTo(20);
        assertThat(o.regret()).isCloseTo(0.7 - 0.4, within(1e-12));
        assertThat(o.regretRestored()).isZero();
        assertThat(o.bestStep()).isEqualTo(20);
    }

    @Test
    void recordsAreReplayedInStepOrderAndRepeatsKeepTheirFirstCopy() {
        List<StepRecord> s = new ArrayList<>(Seq.valAcc("p", 10, 0.2, 0.5, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2));
        s.add(3, StepRecord.of("p", 20, 0.01, 1, 9, 0.1)); // a resumed trainer re-sends step 20
        Collections.reverse(s);
        RunOutcome o = PolicyReplay.replay(
                        List.of(new RecordedRun("p", s)), List.of(ReplayPolicy.parse("patience:val_acc:3e")), C)
                .get(0)
                .runs()
                .get(0);
        // the copy of 20 that comes first in the file (0.1) counts: best 0.6 at 30, three evaluations later 60
        assertThat(o.stop().step()).isEqualTo(60);
    }

    @Test
    void runsMustBeNamedUniquelyAndHoldOneRunId() {
        assertThatThrownBy(() -> PolicyReplay.replay(
                        List.of(new RecordedRun("x", memorizing("a")), new RecordedRun("x", memorizing("b"))),
                        List.of(),
                        C))
                .hasMessage("two runs are named 'x'");
        List<StepRecord> mixed = new ArrayList<>(memorizing("a").subList(0, 2));
        mixed.addAll(memorizing("b").subList(2, 3));
        assertThatThrownBy(() -> new RecordedRun("x", mixed)).hasMessage("run 'x' mixes run ids a and b");
        assertThatThrownBy(() -> new RecordedRun("x", List.of())).hasMessage("run 'x' has no step records");
    }
}
