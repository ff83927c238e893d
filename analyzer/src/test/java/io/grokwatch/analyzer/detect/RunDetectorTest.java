package io.grokwatch.analyzer.detect;

import static io.grokwatch.analyzer.detect.Curves.RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Event;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunDetectorTest {

    private static final DetectorConfig DEFAULTS = DetectorConfig.defaults();

    /** Everything a detector emitted over a sequence (constant clock) and its final summary. */
    record Output(List<Event> events, RunSummary summary) {}

    static Output run(List<StepRecord> steps, DetectorConfig c) {
        RunDetector d = new RunDetector(RUN, c);
        List<Event> events = new ArrayList<>();
        for (StepRecord s : steps) events.addAll(d.accept(s, 42L));
        events.addAll(d.finish(42L));
        return new Output(events, d.summary());
    }

    static List<Phase> phases(RunSummary s) {
        List<Phase> out = new ArrayList<>();
        for (Transition t : s.transitions()) out.add(t.to());
        return out;
    }

    static Optional<Alert> alert(RunSummary s, AlertKind kind) {
        return s.alerts().stream().filter(a -> a.kind() == kind).findFirst();
    }

    static Transition transitionTo(RunSummary s, Phase to) {
        return s.transitions().stream()
                .filter(t -> t.to() == to)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no transition to " + to + " in " + s.transitions()));
    }

    // ---------------------------------------------------------------- final classes on clean curves

    @Test
    void cleanGrokkingCurveIsGrokkingWithTheRawThresholdSteps() {
        List<StepRecord> steps = Curves.grokking();
        RunSummary s = run(steps, DEFAULTS).summary();

        assertThat(s.finalClass()).isEqualTo(FinalClass.GROKKING);
        assertThat(s.tTrain()).isEqualTo(Curves.firstAtOrAbove(steps, 0.9, false));
        assertThat(s.tVal()).isEqualTo(Curves.firstAtOrAbove(steps, 0.9, true));
        assertThat(s.delay()).isEqualTo(s.tVal() - s.tTrain()).isGreaterThan(1000);
        assertThat(phases(s)).containsExactly(Phase.MEMORIZED, Phase.GENERALIZING, Phase.GROKKED);
        assertThat(s.alerts())
                .extracting(Alert::kind)
                .containsExactly(AlertKind.MEMORIZED, AlertKind.VAL_ACC_JUMP, AlertKind.GROKKED);
        assertThat(s.phase()).isEqualTo(Phase.GROKKED);
        assertThat(s.lastStep()).isEqualTo(8000);
    }

    @Test
    void cleanComprehensionCurveIsComprehension() {
        List<StepRecord> steps = Curves.comprehension();
        RunSummary s = run(steps, DEFAULTS).summary();

        assertThat(s.finalClass()).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(s.tVal()).isEqualTo(Curves.firstAtOrAbove(steps, 0.9, true));
        assertThat(s.delay()).isBetween(0L, 999L);
        assertThat(s.phase()).isEqualTo(Phase.COMPREHENDED);
        assertThat(alert(s, AlertKind.COMPREHENDED)).isPresent();
        assertThat(alert(s, AlertKind.GROKKED)).isEmpty();
    }

    @Test
    void cleanMemorizationCurveIsMemorizationWithoutJump() {
        RunSummary s = run(Curves.memorization(), DEFAULTS).summary();

        assertThat(s.finalClass()).isEqualTo(FinalClass.MEMORIZATION);
        assertThat(s.tVal()).isNull();
        assertThat(s.delay()).isNull();
        assertThat(phases(s)).containsExactly(Phase.MEMORIZED);
        assertThat(s.alerts()).extracting(Alert::kind).containsExactly(AlertKind.MEMORIZED);
    }

    @Test
    void cleanConfusionCurveIsConfusionWithNoTransitions() {
        RunSummary s = run(Curves.confusion(), DEFAULTS).summary();

        assertThat(s.finalClass()).isEqualTo(FinalClass.CONFUSION);
        assertThat(s.tTrain()).isNull();
        assertThat(s.transitions()).isEmpty();
        assertThat(s.phase()).isEqualTo(Phase.FITTING);
    }

    @Test
    void grokGapIsConfigurable() {
        DetectorConfig longGap = DEFAULTS.toBuilder().grokGapSteps(10_000).build();
        assertThat(run(Curves.grokking(), longGap).summary().finalClass()).isEqualTo(FinalClass.COMPREHENSION);
        DetectorConfig shortGap = DEFAULTS.toBuilder().grokGapSteps(100).build();
        assertThat(run(Curves.comprehension(), shortGap).summary().finalClass()).isEqualTo(FinalClass.GROKKING);
    }

    // ---------------------------------------------------------------- alerts and detection latency

    @Test
    void valAccJumpFiresBeforeValAccuracyReachesTheThreshold() {
        List<StepRecord> steps = Curves.grokking();
        RunSummary s = run(steps, DEFAULTS).summary();
        Alert jump = alert(s, AlertKind.VAL_ACC_JUMP).orElseThrow();
        long firstAt09 = Curves.firstAtOrAbove(steps, 0.9, true);

        assertThat(jump.detectedStep()).isLessThan(firstAt09);
        assertThat(jump.step()).isLessThanOrEqualTo(jump.detectedStep());
        assertThat(jump.valAcc()).isLessThan(0.9);
        // the plateau is 0.05, so the jump is where the curve first passes 0.15
        assertThat(jump.step()).isEqualTo(Curves.firstAtOrAbove(steps, 0.15, true));
    }

    @Test
    void grokkedIsDetectedWithinTwoEvaluationsOfHappening() {
        for (List<StepRecord> steps : List.of(Curves.grokking(), Curves.noisy(Curves.grokking(), 0.01, 7))) {
            Transition grokked = transitionTo(run(steps, DEFAULTS).summary(), Phase.GROKKED);
            assertThat(grokked.detectedStep()).isLessThanOrEqualTo(Curves.evaluationAfter(steps, grokked.step(), 2));
            assertThat(grokked.detectedStep()).isGreaterThanOrEqualTo(grokked.step());
        }
    }

    @Test
    void everyTransitionCarriesHappenedDetectedStepAndTime() {
        RunDetector d = new RunDetector(RUN, DEFAULTS);
        List<Event> emitted = new ArrayList<>();
        for (StepRecord s : Curves.grokking()) emitted.addAll(d.accept(s, 1_000 + s.step()));
        Transition grokked = emitted.stream()
                .filter(e -> e instanceof Transition t && t.to() == Phase.GROKKED)
                .map(Transition.class::cast)
                .findFirst()
                .orElseThrow();

        assertThat(grokked.from()).isEqualTo(Phase.GENERALIZING);
        assertThat(grokked.run()).isEqualTo(RUN);
        // emitted while accepting the record one past detectedStep (the reorder window holds one back)
        assertThat(grokked.detectedTime())
                .isEqualTo(1_000 + Curves.evaluationAfter(Curves.grokking(), grokked.detectedStep(), 1));
    }

    @Test
    void noValAccJumpOnRunsThatNeverGeneralize() {
        for (List<StepRecord> steps : List.of(
                Curves.memorization(),
                Curves.noisy(Curves.memorization(), 0.015, 3),
                Curves.spiked(Curves.noisy(Curves.memorization(), 0.01, 4), 0.6, 1000, 3000, 5000),
                Curves.confusion())) {
            RunSummary s = run(steps, DEFAULTS).summary();
            assertThat(alert(s, AlertKind.VAL_ACC_JUMP)).isEmpty();
            assertThat(s.phase()).isIn(Phase.MEMORIZED, Phase.FITTING);
        }
    }

    @Test
    void alertsFireOncePerKindUnlessReArmed() {
        // groks, regresses, recovers, regresses again
        List<StepRecord> steps = Curves.curve(0, 9000, 10, Curves.fit(), s -> {
            if (s < 3000) return 0.05;
            if (s < 5000) return 0.95;
            if (s < 6000) return 0.5;
            if (s < 7000) return 0.95;
            return 0.4;
        });
        RunSummary s = run(steps, DEFAULTS).summary();

        assertThat(phases(s))
                .containsExactly(Phase.MEMORIZED, Phase.GROKKED, Phase.REGRESSED, Phase.GROKKED, Phase.REGRESSED);
        assertThat(s.alerts())
                .extracting(Alert::kind)
                .containsExactly(
                        AlertKind.MEMORIZED,
                        AlertKind.GROKKED,
                        AlertKind.REGRESSED,
                        AlertKind.GROKKED,
                        AlertKind.REGRESSED);
        assertThat(transitionTo(s, Phase.REGRESSED).step()).isEqualTo(5000);
        assertThat(s.tVal()).isEqualTo(3000); // the first time, not the recovery
        assertThat(s.finalClass()).isEqualTo(FinalClass.GROKKING);
    }

    @Test
    void fallingBackFromGeneralizingReArmsTheJump() {
        List<StepRecord> steps = Curves.curve(0, 8000, 10, Curves.fit(), s -> {
            if (s >= 2000 && s < 2500) return 0.3; // a false start
            if (s >= 5000) return 0.4; // the real one
            return 0.05;
        });
        RunSummary s = run(steps, DEFAULTS).summary();

        assertThat(phases(s)).containsExactly(Phase.MEMORIZED, Phase.GENERALIZING, Phase.MEMORIZED, Phase.GENERALIZING);
        assertThat(s.alerts())
                .filteredOn(a -> a.kind() == AlertKind.VAL_ACC_JUMP)
                .extracting(Alert::step)
                .containsExactly(2000L, 5000L);
    }

    @Test
    void nonFiniteLossDivergesAtOnceAndIsTerminal() {
        List<StepRecord> steps = new ArrayList<>(Curves.grokking().subList(0, 100)); // to step 990
        steps.add(StepRecord.of(RUN, 1000, Double.NaN, 0.5, 3.0, 0.1));
        steps.addAll(Curves.grokking().subList(101, 800));
        Output out = run(steps, DEFAULTS);
        Transition diverged = transitionTo(out.summary(), Phase.DIVERGED);

        assertThat(diverged.step()).isEqualTo(1000);
        assertThat(diverged.detectedStep()).isEqualTo(1000);
        assertThat(out.summary().phase()).isEqualTo(Phase.DIVERGED);
        assertThat(alert(out.summary(), AlertKind.DIVERGED).orElseThrow().message())
                .contains("train loss NaN");
        assertThat(alert(out.summary(), AlertKind.GROKKED)).isEmpty();
    }

    @Test
    void infiniteValLossDiverges() {
        List<StepRecord> steps = new ArrayList<>(Curves.grokking().subList(0, 50));
        steps.add(StepRecord.of(RUN, 500, 0.1, 1.0, Double.POSITIVE_INFINITY, 0.1));
        assertThat(run(steps, DEFAULTS).summary().phase()).isEqualTo(Phase.DIVERGED);
    }

    @Test
    void explodingLossDivergesButOneSpikeDoesNot() {
        List<StepRecord> base = Curves.memorization();
        List<StepRecord> oneSpike = new ArrayList<>();
        List<StepRecord> exploding = new ArrayList<>();
        for (StepRecord s : base) {
            oneSpike.add(s.step() == 3000 ? Curves.with(s, s.trainAcc(), s.valAcc(), 5e4) : s);
            exploding.add(s.step() >= 3000 ? Curves.with(s, s.trainAcc(), s.valAcc(), 50.0) : s);
        }
        assertThat(run(oneSpike, DEFAULTS).summary().phase()).isEqualTo(Phase.MEMORIZED);
        RunSummary s = run(exploding, DEFAULTS).summary();
        // 50 is > 100 x max(run minimum ~0.001, floor 0.1) = 10
        assertThat(s.phase()).isEqualTo(Phase.DIVERGED);
        assertThat(transitionTo(s, Phase.DIVERGED).step()).isEqualTo(3000);
    }

    @Test
    void stalledFiresOnceAfterStallStepsWithoutProgressAndIsReArmedByProgress() {
        List<StepRecord> steps = Curves.curve(0, 60_000, 100, s -> s < 40_000 ? 0.3 : 0.6, s -> 0.05);
        RunSummary s = run(steps, DEFAULTS).summary();
        List<Alert> stalled =
                s.alerts().stream().filter(a -> a.kind() == AlertKind.STALLED).toList();

        assertThat(stalled).extracting(Alert::step).containsExactly(20_000L, 60_000L);
        assertThat(stalled.get(0).message()).contains("since step 0");
    }

    @Test
    void noStallOnAGrokkingPlateauOrAfterGrokking() {
        List<StepRecord> steps =
                Curves.curve(0, 60_000, 100, Curves.fit(), s -> 0.05 + 0.93 * Curves.sigmoid((s - 12_000) / 300.0));
        RunSummary s = run(steps, DEFAULTS).summary();
        assertThat(s.phase()).isEqualTo(Phase.GROKKED);
        assertThat(alert(s, AlertKind.STALLED)).isEmpty();
    }

    // ---------------------------------------------------------------- robustness

    @Test
    void noisySpikyGappyCurvesKeepTheirClassAndThresholdSteps() {
        List<List<StepRecord>> clean =
                List.of(Curves.grokking(), Curves.comprehension(), Curves.memorization(), Curves.confusion());
        List<FinalClass> expected =
                List.of(FinalClass.GROKKING, FinalClass.COMPREHENSION, FinalClass.MEMORIZATION, FinalClass.CONFUSION);
        for (int i = 0; i < clean.size(); i++) {
            RunSummary reference = run(clean.get(i), DEFAULTS).summary();
            for (long seed = 1; seed <= 5; seed++) {
                List<StepRecord> damaged = Curves.gappy(
                        Curves.spiked(Curves.noisy(clean.get(i), 0.01, seed), 0.97, 1500, 1800), 0.2, 600, 1100, seed);
                RunSummary s = run(damaged, DEFAULTS).summary();
                assertThat(s.finalClass())
                        .as("class of damaged %s, seed %d", expected.get(i), seed)
                        .isEqualTo(expected.get(i));
                if (reference.tVal() != null && reference.tVal() > 1100) {
                    assertThat(s.tVal()).isBetween(reference.tVal() - 60, reference.tVal() + 60);
                }
                assertThat(s.alerts()).extracting(Alert::kind).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void aSingleSpikeDoesNotFlipAPhaseEitherWay() {
        List<StepRecord> up = Curves.spiked(Curves.memorization(), 1.0, 4000);
        assertThat(phases(run(up, DEFAULTS).summary())).containsExactly(Phase.MEMORIZED);
        List<StepRecord> down = Curves.spiked(Curves.grokking(), 0.0, 6000);
        assertThat(phases(run(down, DEFAULTS).summary()))
                .containsExactly(Phase.MEMORIZED, Phase.GENERALIZING, Phase.GROKKED);
        List<StepRecord> twoApart = Curves.spiked(Curves.memorization(), 1.0, 4000, 4030);
        assertThat(phases(run(twoApart, DEFAULTS).summary())).containsExactly(Phase.MEMORIZED);
        // two spikes in one window of 3 pass; a window of 5 takes them
        List<StepRecord> close = Curves.spiked(Curves.memorization(), 1.0, 4000, 4020);
        assertThat(phases(run(close, DEFAULTS).summary())).contains(Phase.GROKKED);
        DetectorConfig window5 = DEFAULTS.toBuilder().smoothingWindow(5).build();
        assertThat(phases(run(close, window5).summary())).containsExactly(Phase.MEMORIZED);
    }

    @Test
    void duplicatesChangeNothing() {
        for (List<StepRecord> clean : List.of(Curves.grokking(), Curves.noisy(Curves.comprehension(), 0.01, 9))) {
            Output reference = run(clean, DEFAULTS);
            List<StepRecord> resent = Curves.withDuplicates(clean, 37, 5);
            assertThat(resent.size()).isGreaterThan(clean.size());
            assertThat(run(resent, DEFAULTS)).isEqualTo(reference);
        }
    }

    @Test
    void reorderingWithinTheWindowChangesNothing() {
        List<StepRecord> clean = Curves.noisy(Curves.grokking(), 0.01, 11);
        assertThat(run(Curves.reordered(clean, 2, 5), DEFAULTS)).isEqualTo(run(clean, DEFAULTS));
        DetectorConfig window3 = DEFAULTS.toBuilder().reorderWindow(3).build();
        List<StepRecord> shuffled = Curves.reordered(clean, 4, 6);
        assertThat(shuffled).isNotEqualTo(clean);
        assertThat(run(shuffled, window3)).isEqualTo(run(clean, window3));
        assertThat(run(Curves.withDuplicates(shuffled, 10, 3), window3)).isEqualTo(run(clean, window3));
    }

    @Test
    void recordsLaterThanTheWindowAreDroppedAndCounted() {
        List<StepRecord> steps = new ArrayList<>(Curves.grokking().subList(0, 10)); // steps 0..90
        steps.add(StepRecord.of(RUN, 5, 0.1, 0.1, 1, 0.1)); // before the last committed step
        RunDetector d = new RunDetector(RUN, DEFAULTS);
        for (StepRecord s : steps) d.accept(s, 0);
        assertThat(d.dropped()).isEqualTo(1);
        assertThat(d.state().lastCommittedStep()).isEqualTo(80);
        assertThat(d.state().pending()).extracting(StepRecord::step).containsExactly(90L);
    }

    @Test
    void isDeterministic() {
        List<StepRecord> steps = Curves.gappy(Curves.noisy(Curves.grokking(), 0.02, 13), 0.1, 0, 0, 13);
        Output a = run(steps, DEFAULTS);
        Output b = run(steps, DEFAULTS);
        assertThat(a).isEqualTo(b);
        RunDetector d1 = new RunDetector(RUN, DEFAULTS);
        RunDetector d2 = new RunDetector(RUN, DEFAULTS);
        steps.forEach(s -> d1.accept(s, 0));
        steps.forEach(s -> d2.accept(s, 0));
        assertThat(DetectorState.encode(d1.state())).isEqualTo(DetectorState.encode(d2.state()));
    }

    @Test
    void rejectsARecordOfAnotherRun() {
        RunDetector d = new RunDetector(RUN, DEFAULTS);
        assertThatThrownBy(() -> d.accept(StepRecord.of("other", 1, 1, 0.1, 1, 0.1), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record of run 'other' fed to the detector of run 'synthetic'");
    }
}
