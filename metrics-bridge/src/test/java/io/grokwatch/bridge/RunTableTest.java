package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunTableTest {
    private final RunTable table = new RunTable(Duration.ofMinutes(15));

    @Test
    void aStepRecordReplacesTheValuesAndDerivesStepsPerSecondFromTimes() {
        table.apply(Runs.step("r", 100, 1_000), 1);
        RunView view = table.apply(Runs.step("r", 300, 3_000), 2).after();

        assertThat(view.lastStep().step()).isEqualTo(300);
        assertThat(view.lastStep().valAcc()).isEqualTo(300 / 1024.0);
        assertThat(view.weightNorm()).isEqualTo(10.0 + 300 / 8.0);
        assertThat(view.stepsPerSecond()).isEqualTo(100.0);
        assertThat(view.phase()).isEqualTo(Phase.FITTING);
        assertThat(view.info()).isEqualTo(RunInfo.NOT_STARTED);
    }

    @Test
    void reportedStepsPerSecondWinsAndOptionalFieldsKeepTheirLastValue() {
        table.apply(Runs.step("r", 100, 1_000), 1);
        StepRecord bare = new StepRecord("r", 200, 0.5, 0.5, 0.5, 0.5, null, null, null, null, null, 42.0);
        RunView view = table.apply(bare, 2).after();

        assertThat(view.stepsPerSecond()).isEqualTo(42.0);
        assertThat(view.weightNorm()).isEqualTo(10.0 + 100 / 8.0);
    }

    @Test
    void transitionsSetThePhaseAndTheGrokkingDelay() {
        table.apply(Runs.transition("r", Phase.FITTING, Phase.MEMORIZED, 120), 1);
        RunView generalizing = table.apply(Runs.transition("r", Phase.MEMORIZED, Phase.GENERALIZING, 3_000), 2)
                .after();
        assertThat(generalizing.memorizedStep()).isEqualTo(120);
        assertThat(generalizing.grokkingDelaySteps()).isNull();

        RunView grokked = table.apply(Runs.transition("r", Phase.GENERALIZING, Phase.GROKKED, 4_620), 3)
                .after();
        assertThat(grokked.phase()).isEqualTo(Phase.GROKKED);
        assertThat(grokked.grokkedStep()).isEqualTo(4_620);
        assertThat(grokked.grokkingDelaySteps()).isEqualTo(4_500);
    }

    @Test
    void aStalledAlertHoldsUntilAStepPastItArrives() {
        table.apply(Runs.step("r", 500, 1_000), 1);
        assertThat(table.apply(Runs.alert("r", AlertKind.STALLED, 500), 2)
                        .after()
                        .stalled())
                .isTrue();
        assertThat(table.apply(Runs.alert("r", AlertKind.VAL_ACC_JUMP, 500), 3)
                        .after()
                        .stalled())
                .isTrue();
        assertThat(table.apply(Runs.step("r", 500, 2_000), 4).after().stalled()).isTrue();
        assertThat(table.apply(Runs.step("r", 501, 3_000), 5).after().stalled()).isFalse();
    }

    @Test
    void notApplicableStructureValuesKeepThePreviousOnes() {
        RunView unknown =
                table.apply(Runs.structure("r", 50, Double.NaN, Double.NaN), 0).after();
        assertThat(unknown.fourierTopKShare()).isNull();
        assertThat(unknown.rqi()).isNull();
        table.apply(Runs.structure("r", 100, 0.75, 0.5), 1);
        RunView view =
                table.apply(Runs.structure("r", 200, Double.NaN, 0.625), 2).after();
        assertThat(view.fourierTopKShare()).isEqualTo(0.75);
        assertThat(view.rqi()).isEqualTo(0.625);
    }

    @Test
    void runStartedAfterOtherRecordsRelabelsTheRun() {
        RunTable.Change first = table.apply(Runs.step("r", 1, 1_000), 1);
        assertThat(first.before()).isNull();
        assertThat(first.relabelled()).isFalse();

        RunTable.Change started = table.apply(Runs.started("r", "add_mod", "mlp", 7), 2);
        assertThat(started.relabelled()).isTrue();
        assertThat(started.before().labels()).containsExactly("r", "unknown", "unknown");
        assertThat(started.after().labels()).containsExactly("r", "add_mod", "mlp");
        assertThat(started.after().lastStep().step()).isEqualTo(1);

        assertThat(table.apply(Runs.step("r", 2, 2_000), 3).relabelled()).isFalse();
    }

    @Test
    void runsSilentForLongerThanTheTtlExpireAndComeBackWithTheirLabels() {
        long ttl = Duration.ofMinutes(15).toMillis();
        table.apply(Runs.started("r", "add_mod", "mlp", 7), 0);
        table.apply(Runs.finished("r", 10), 1_000);
        table.apply(Runs.step("other", 1, 1_000), 5_000);

        assertThat(table.expire(1_000 + ttl)).isEmpty();
        assertThat(table.expire(1_001 + ttl)).extracting(RunView::run).containsExactly("r");
        assertThat(table.size()).isEqualTo(1);

        RunTable.Change back = table.apply(Runs.step("r", 11, 2_000), 2_000 + ttl);
        assertThat(back.before()).isNull();
        assertThat(back.after().labels()).containsExactly("r", "add_mod", "mlp");
        assertThat(back.after().finished()).isFalse();
    }

    @Test
    void recordsWithoutPerRunMetricsChangeNothing() {
        EmbeddingSnapshot snapshot = new EmbeddingSnapshot("r", 1, 1, "add_mod", 53, 1, 2, new float[] {1, 2});
        assertThat(table.apply(snapshot, 1)).isNull();
        assertThat(table.size()).isZero();
    }

    @Test
    void aNonPositiveTtlIsRejected() {
        assertThatThrownBy(() -> new RunTable(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("runTtl must be positive, got PT0S");
    }
}
