package io.grokwatch.analyzer.policy;

import static io.grokwatch.analyzer.policy.Seq.every;
import static io.grokwatch.analyzer.policy.Seq.stopStep;
import static io.grokwatch.analyzer.policy.Seq.valLoss;
import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerRunPoliciesTest {

    @Test
    void patienceInStepsStopsAtTheFirstNonImprovingEvaluationNStepsAfterTheBestAndReportsIt() {
        List<StepRecord> s = valLoss("r", every(10, 8), 5, 4, 3, 3.5, 3.2, 3.1, 3.05, 2);
        Stop stop = Seq.firstStop((PerRunPolicy) ReplayPolicy.parse("patience:val_loss:30"), s, Phase.FITTING)
                .orElseThrow();
        assertThat(stop.step()).isEqualTo(50);
        assertThat(stop.restoreStep()).isEqualTo(20);
        assertThat(stop.reason())
                .isEqualTo("policy patience:val_loss:30: val_loss has not improved by more than 0.0 for 30 steps"
                        + " (best 3.00000 at step 20), now at step 50");
        assertThat(stopStep("patience:val_loss:40", s)).contains(60L);
        assertThat(stopStep("patience:val_loss:50", s)).isEmpty(); // step 70 improves first
    }

    @Test
    void minDeltaIsStrictAndOnlyAnImprovementMovesTheReference() {
        // falls by 0.25 per evaluation; with min_delta 0.5 only every third one beats the reference by more
        List<StepRecord> s = valLoss("r", every(10, 10), 8, 7.75, 7.5, 7.25, 7, 6.75, 6.5, 6.25, 6, 5.75);
        assertThat(stopStep("patience:val_loss:2e:0.5", s)).contains(20L); // 7.5 is exactly 0.5 better: no
        assertThat(stopStep("patience:val_loss:3e:0.5", s)).isEmpty();
        assertThat(stopStep("patience:val_loss:20:0.5", s)).contains(20L);
        assertThat(stopStep("patience:val_loss:30:0.5", s)).isEmpty();
        assertThat(stopStep("patience:val_loss:1e", s)).isEmpty(); // every evaluation improves without a delta
        assertThat(stopStep("patience:val_loss:1e:0.25", s)).contains(10L);
    }

    @Test
    void evaluationsAndStepsCountDifferentlyOnAnIrregularGrid() {
        long[] steps = {0, 100, 110, 120, 130, 400};
        List<StepRecord> flat = valLoss("r", steps, 1, 2, 2, 2, 2, 2);
        assertThat(stopStep("patience:val_loss:3e", flat)).contains(120L);
        assertThat(stopStep("patience:val_loss:100", flat)).contains(100L);
        assertThat(stopStep("patience:val_loss:200", flat)).contains(400L);
        assertThat(stopStep("patience:val_loss:500", flat)).isEmpty();
    }

    @Test
    void patienceNeverStopsAtTheFirstEvaluationAndNaNNeverImproves() {
        List<StepRecord> flat = valLoss("r", every(10, 3), 1, 1, 1);
        assertThat(stopStep("patience:val_loss:0", flat)).contains(10L);
        assertThat(stopStep("patience:val_loss:0e", flat)).contains(10L);
        List<StepRecord> diverging = valLoss("r", every(10, 4), Double.NaN, Double.NaN, Double.NaN, 1);
        Stop stop = Seq.firstStop((PerRunPolicy) ReplayPolicy.parse("patience:val_loss:20"), diverging, Phase.FITTING)
                .orElseThrow();
        assertThat(stop.step()).isEqualTo(20);
        assertThat(stop.restoreStep()).isNull();
        assertThat(stop.reason()).contains("(no finite value yet)");
    }

    @Test
    void patienceOnAccuracyMaximizes() {
        List<StepRecord> s = Seq.valAcc("r", 10, 0.1, 0.5, 0.4, 0.45, 0.5, 0.6, 0.3);
        assertThat(stopStep("patience:val_acc:3e", s)).contains(40L); // 0.5 again is no improvement
        assertThat(stopStep("patience:val_acc:4e", s)).isEmpty();
        assertThat(stopStep("patience:train_acc:1e", s)).contains(10L); // train acc is flat at 1
    }

    @Test
    void budgetStopsAtTheFirstEvaluationAtOrPastNAndNotARunShorterThanIt() {
        List<StepRecord> s = valLoss("r", new long[] {0, 40, 80, 120}, 1, 1, 1, 1);
        assertThat(stopStep("budget:80", s)).contains(80L);
        assertThat(stopStep("budget:81", s)).contains(120L);
        assertThat(stopStep("budget:121", s)).isEmpty();
        assertThat(stopStep("steps=81", s)).contains(120L);
        assertThat(stopStep("budget:0", s)).contains(0L);
    }

    @Test
    void thresholdStopsOnceTheMetricCrossesInItsDirection() {
        List<StepRecord> s = Seq.valAcc("r", 10, 0.1, 0.5, 0.89, 0.9, 0.95);
        assertThat(stopStep("threshold:val_acc:0.9", s)).contains(30L);
        assertThat(stopStep("threshold:val_acc:0.96", s)).isEmpty();
        assertThat(stopStep("threshold:val_loss:1.1", s)).contains(20L); // 10 * (1 - 0.89) = 1.1
        assertThat(stopStep("threshold:val_loss:0.4", s)).isEmpty();
    }

    /** Val loss best at step 10, then it overfits to 10 and falls back slowly until step 2000, then flat. */
    static List<StepRecord> plateauThenFalling(boolean normShrinks) {
        List<StepRecord> out = new ArrayList<>();
        for (long s = 0; s <= 4000; s += 10) {
            double loss = s == 0 ? 4 : s == 10 ? 3 : s <= 2000 ? 10 - 5 * s / 2000.0 : 5;
            double norm = normShrinks ? 100 - s / 100.0 : 100;
            out.add(new StepRecord("r", s, 0.01, 1, loss, 0.05, null, norm, null, null, null, null));
        }
        return out;
    }

    @Test
    void grokAwareWaitsWhileMemorizedAndValLossFalls() {
        PerRunPolicy p = (PerRunPolicy) ReplayPolicy.parse("grok-aware:300:200");
        Stop stop = Seq.firstStop(p, plateauThenFalling(false), Phase.MEMORIZED).orElseThrow();
        // the fall ends at 2000; the window (t - 200, t] holds only the flat part from t = 2190 (slope 0 is not
        // falling)
        assertThat(stop.step()).isEqualTo(2190);
        assertThat(stop.restoreStep()).isEqualTo(10);
        assertThat(stop.reason()).contains("memorized, but over the last 200 steps val loss is not falling");
        // the same run outside MEMORIZED is plain patience on val loss
        assertThat(Seq.firstStop(p, plateauThenFalling(false), Phase.FITTING).map(Stop::step))
                .contains(310L);
        PerRunPolicy patience = (PerRunPolicy) ReplayPolicy.parse("patience:val_loss:300");
        assertThat(Seq.firstStop(patience, plateauThenFalling(false), Phase.MEMORIZED)
                        .map(Stop::step))
                .contains(310L);
        // within 200 steps of the overfitting jump the window's slope is up: no protection yet
        PerRunPolicy early = (PerRunPolicy) ReplayPolicy.parse("grok-aware:100:200");
        assertThat(Seq.firstStop(early, plateauThenFalling(false), Phase.MEMORIZED)
                        .map(Stop::step))
                .contains(110L);
    }

    @Test
    void grokAwareWaitsWhileTheWeightNormShrinks() {
        PerRunPolicy p = (PerRunPolicy) ReplayPolicy.parse("grok-aware:100:200");
        assertThat(Seq.firstStop(p, plateauThenFalling(true), Phase.MEMORIZED)).isEmpty();
        assertThat(stopStep("grok-aware", plateauThenFalling(true))).contains(1010L); // defaults N 1000
    }

    /**
     * A transformer-like plateau: val loss and the weight norm climb while train loss still falls 3 decades per 1,000
     * steps, until step 1500, then all three stay flat.
     */
    static List<StepRecord> stillMemorizing() {
        List<StepRecord> out = new ArrayList<>();
        for (long s = 0; s <= 3000; s += 10) {
            long t = Math.min(s, 1500);
            double trainLoss = 1e-2 * Math.pow(10, -3.0 * t / 1000);
            double valLoss = s == 0 ? 4 : 10 + 10.0 * t / 1500;
            out.add(new StepRecord("r", s, trainLoss, 1, valLoss, 0.05, null, 50 + t / 300.0, null, null, null, null));
        }
        return out;
    }

    @Test
    void grokAwareWaitsWhileTrainLossStillFallsFast() {
        PerRunPolicy p = (PerRunPolicy) ReplayPolicy.parse("grok-aware:300:200");
        Stop stop = Seq.firstStop(p, stillMemorizing(), Phase.MEMORIZED).orElseThrow();
        // patience alone stops at 300 (its best is step 0); grok-aware waits while train loss falls and stops once
        // the window's slope is under 1 decade per 1,000 steps, part way into the flat stretch after 1500
        assertThat(stop.step()).isBetween(1510L, 1700L);
        assertThat(stop.reason()).contains("train loss is not still falling fast");
        PerRunPolicy patience = (PerRunPolicy) ReplayPolicy.parse("patience:val_loss:300");
        assertThat(Seq.firstStop(patience, stillMemorizing(), Phase.MEMORIZED).map(Stop::step))
                .contains(300L);
    }

    @Test
    void grokAwareNeverStopsWhileGeneralizing() {
        // val loss never beats its first value while val accuracy climbs: patience would stop, grok-aware waits
        PerRunPolicy p = (PerRunPolicy) ReplayPolicy.parse("grok-aware:100:200");
        assertThat(Seq.firstStop(p, plateauThenFalling(false), Phase.GENERALIZING))
                .isEmpty();
        assertThat(Seq.firstStop(
                                (PerRunPolicy) ReplayPolicy.parse("patience:val_loss:100"),
                                plateauThenFalling(false),
                                Phase.GENERALIZING)
                        .map(Stop::step))
                .contains(110L);
    }

    /** Val loss 4 at step 0, its peak 30 at step 10, then {@code after(step)} every 10 steps to 5000. */
    static List<StepRecord> afterPeak(java.util.function.LongToDoubleFunction after) {
        List<StepRecord> out = new ArrayList<>();
        for (long s = 0; s <= 5000; s += 10) {
            double loss = s == 0 ? 4 : s == 10 ? 30 : after.applyAsDouble(s);
            out.add(new StepRecord("r", s, 0.01, 1, loss, 0.0, null, 100.0, null, null, null, null));
        }
        return out;
    }

    @Test
    void grokAwareStopsAMemorizedRunTheForecastGivesUpOn() {
        PerRunPolicy p = (PerRunPolicy) ReplayPolicy.parse("grok-aware:100000:200"); // patience that never fires
        // flat at 20 after the peak: never at this trend. Warm-up 5 x the peak step (10) and the forecast's minimum
        // span put the first forecast at 60; 5% of the 5000-step budget later it stops.
        Stop stop = Seq.firstStop(p, afterPeak(s -> 20), Phase.MEMORIZED, 5000).orElseThrow();
        assertThat(stop.step()).isEqualTo(310);
        assertThat(stop.reason()).contains("since step 60 the forecast puts t_val past the budget of 5000 steps");
        // with a budget of 20000 it must hold for 1000 steps
        assertThat(Seq.firstStop(p, afterPeak(s -> 20), Phase.MEMORIZED, 20_000).map(Stop::step))
                .contains(1060L);
        // falling in a straight line to 0.4 nats by step 4900: within the budget, no stop
        assertThat(Seq.firstStop(p, afterPeak(s -> 20 - 19.6 * s / 4900.0), Phase.MEMORIZED, 5000))
                .isEmpty();
        // the same fall with a budget of 3000 steps: past it
        assertThat(Seq.firstStop(p, afterPeak(s -> 20 - 19.6 * s / 4900.0), Phase.MEMORIZED, 3000))
                .isPresent();
        // outside MEMORIZED the forecast is not weighed; without a budget neither
        assertThat(Seq.firstStop(p, afterPeak(s -> 20), Phase.FITTING, 5000)).isEmpty();
        assertThat(Seq.firstStop(p, afterPeak(s -> 20), Phase.MEMORIZED)).isEmpty();
    }
}
