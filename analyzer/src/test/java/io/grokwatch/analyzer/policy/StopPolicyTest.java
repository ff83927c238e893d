package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StopPolicyTest {

    /** Train fits at ~step 280, val passes 0.9 at ~4470 (every 10 steps to 8000). */
    static List<StepRecord> grokking() {
        List<StepRecord> out = new ArrayList<>();
        for (long s = 0; s <= 8000; s += 10) {
            double tr = 0.02 + 0.98 / (1 + Math.exp(-(s - 200) / 25.0));
            double va = 0.05 + 0.93 / (1 + Math.exp(-(s - 4000) / 200.0));
            out.add(StepRecord.of("r", s, 4 * (1 - tr) + 1e-3, tr, 4 * (1 - va), va));
        }
        return out;
    }

    /** The step at which a live detector plus the policy would have stopped the run, if any. */
    static Optional<Long> replay(StopPolicy policy, List<StepRecord> steps) {
        RunDetector d = new RunDetector("r", DetectorConfig.defaults());
        for (StepRecord s : steps) {
            d.accept(s, 0);
            if (policy.shouldStop(d.summary(), s).isPresent()) return Optional.of(s.step());
        }
        return Optional.empty();
    }

    @Test
    void memorizedPlusNKillsAGrokkingRunOnItsPlateau() {
        RunSummary full = OfflineClassifier.classify(grokking(), DetectorConfig.defaults());
        long stop = replay(StopPolicy.parse("memorized+1000"), grokking()).orElseThrow();
        // t_train is known one evaluation after it happens (smoothing) + one held back (reorder window)
        assertThat(stop).isEqualTo(full.tTrain() + 1000);
        assertThat(stop).isLessThan(full.tVal());
    }

    @Test
    void grokkedPlusNStopsNStepsAfterTVal() {
        RunSummary full = OfflineClassifier.classify(grokking(), DetectorConfig.defaults());
        assertThat(replay(StopPolicy.parse("grokked+500"), grokking())).contains(full.tVal() + 500);
        assertThat(replay(StopPolicy.parse("grokked+0"), grokking()))
                .contains(full.tVal() + 20); // latency: two evaluations
        assertThat(replay(StopPolicy.parse("grokked+500"), grokking().subList(0, 300)))
                .isEmpty();
    }

    @Test
    void stepsIsAFixedBudget() {
        assertThat(replay(StopPolicy.parse("steps=1234"), grokking())).contains(1240L);
        assertThat(replay(StopPolicy.parse(" steps=0 "), grokking())).contains(0L);
    }

    @Test
    void reasonsNameThePolicy() {
        RunSummary full = OfflineClassifier.classify(grokking(), DetectorConfig.defaults());
        StepRecord last = grokking().get(grokking().size() - 1);
        assertThat(StopPolicy.parse("grokked+500").shouldStop(full, last))
                .hasValueSatisfying(r -> assertThat(r)
                        .isEqualTo("policy grokked+500: val accuracy reached its threshold at step " + full.tVal()
                                + " (grokking), now at step 8000"));
        assertThat(StopPolicy.parse("memorized+5").spec()).isEqualTo("memorized+5");
    }

    @Test
    void parseErrorsNameTheSpec() {
        assertThatThrownBy(() -> StopPolicy.parse("grokked+soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("policy 'grokked+soon': N='soon' is not a non-negative integer");
        assertThatThrownBy(() -> StopPolicy.parse("patience=5"))
                .hasMessageStartingWith("policy 'patience=5' is not understood; expected patience:METRIC:N[:MIN_DELTA],"
                        + " budget:N, threshold:METRIC:VALUE, median[:METRIC[:GRACE[:MIN_RUNS]]]");
        assertThatThrownBy(() -> StopPolicy.parse("steps=-1"))
                .hasMessage("policy 'steps=-1': N='-1' is not a non-negative integer");
        assertThatThrownBy(() -> StopPolicy.parse(null)).hasMessageStartingWith("a policy spec is required");
    }

    @Test
    void theKindsWithoutHistoryComeFromTheSameParser() {
        assertThat(StopPolicy.parse("budget:300")).isEqualTo(new StopPolicies.AtStep("budget:300", 300));
        assertThat(StopPolicy.parse("threshold:val_acc:0.99").spec()).isEqualTo("threshold:val_acc:0.99");
        assertThatThrownBy(() -> StopPolicy.parse("patience:val_loss:500"))
                .hasMessage("policy 'patience:val_loss:500' keeps a history of the run; it is not one of budget:N,"
                        + " threshold:METRIC:VALUE, grokked+N, memorized+N, steps=N");
        assertThatThrownBy(() -> StopPolicy.parse("median"))
                .hasMessageStartingWith("policy 'median' keeps a history of every run");
    }

    @Test
    void theLiveAnalyzerRunsEveryKind() {
        assertThat(PolicySpecs.parseLive("patience:val_loss:500")).isInstanceOf(Patience.class);
        assertThat(PolicySpecs.parseLive("grok-aware:2000")).isInstanceOf(GrokAware.class);
        assertThat(PolicySpecs.parseLive("grokked+5")).isInstanceOf(StopPolicy.class);
        assertThat(PolicySpecs.parseLive("asha")).isInstanceOf(SuccessiveHalving.class);
        assertThat(PolicySpecs.parseLive("median:val_loss:500")).isInstanceOf(AcrossRunPolicy.class);
    }
}
