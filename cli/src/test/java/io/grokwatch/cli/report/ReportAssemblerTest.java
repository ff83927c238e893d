package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import org.junit.jupiter.api.Test;

class ReportAssemblerTest {

    @Test
    void aGrokkingRunIsClassifiedAndItsSnapshotsPickedAroundTheJump() {
        ReportModel m = ReportFixtures.grokkingModel("syn-1");

        assertThat(m.summary().finalClass()).isEqualTo(FinalClass.GROKKING);
        assertThat(m.summary().tTrain()).isLessThan(200L);
        assertThat(m.summary().tVal()).isBetween(ReportFixtures.GROK_STEP, 2 * ReportFixtures.GROK_STEP);
        assertThat(m.phases())
                .extracting(PhaseSpan::phase)
                .startsWith(Phase.FITTING, Phase.MEMORIZED)
                .contains(Phase.GROKKED);
        assertThat(m.stepCount()).isEqualTo(1001);
        assertThat(m.wallMillis()).isEqualTo(5000 * 5L);

        long grokked = m.summary().transitions().stream()
                .filter(t -> t.to() == Phase.GROKKED)
                .mapToLong(Transition::step)
                .findFirst()
                .orElseThrow();
        assertThat(m.snapshots()).extracting(SnapshotView::label).containsExactly("before", "during", "after");
        SnapshotView before = m.snapshots().get(0);
        SnapshotView during = m.snapshots().get(1);
        SnapshotView after = m.snapshots().get(2);
        assertThat(before.step()).isLessThan(during.step());
        assertThat(during.step()).isLessThanOrEqualTo(grokked + 250);
        assertThat(after.step()).isEqualTo(5000);
        // the synthetic embeddings become a circle on frequencies 5 and 12
        assertThat(after.spectrum()[4] + after.spectrum()[11]).isGreaterThan(0.95);
        assertThat(before.spectrum()[4] + before.spectrum()[11]).isLessThan(0.5);
        assertThat(m.structure()).hasSize(21);
    }

    @Test
    void withoutSnapshotsThereIsNothingToPick() {
        RunRecords.Collector c = RunRecords.collector("plain");
        ReportFixtures.grokkingRecords("plain").steps().forEach(c::add);

        ReportModel m =
                new ReportAssembler(io.grokwatch.analyzer.detect.DetectorConfig.defaults(), 3, 100).assemble(c.build());

        assertThat(m.snapshots()).isEmpty();
        assertThat(m.structure()).isEmpty();
        assertThat(m.steps().size()).isLessThanOrEqualTo(110);
        assertThat(m.summary().finalClass()).isEqualTo(FinalClass.GROKKING);
    }

    @Test
    void aGrokkingRunsForecastsComeBeforeItsTValAndCloseIn() throws Exception {
        // Groks at step 1,280 of 5,000 (bench/runs/heldout-simple-grokking-10/README.md).
        ReportModel m = recorded("heldout-s1-wd0.1-f0.6");
        long tVal = m.summary().tVal();
        assertThat(m.forecasts()).isNotEmpty().allMatch(f -> f.step() < tVal);
        assertThat(m.forecastBudget())
                .as("no run_started: the last step stands in")
                .isEqualTo(5000);
        io.grokwatch.events.Forecast last = m.forecasts().get(m.forecasts().size() - 1);
        assertThat(last.tVal()).isNotNull();
        assertThat(Math.abs(last.tVal() - tVal)).as("the last forecast's error").isLessThan(tVal / 10);
        assertThat(ReportJson.toTree(m).path("forecast").path("step").size())
                .isEqualTo(m.forecasts().size());
    }

    @Test
    void aRunThatNeverGroksEndsOnNeverAndAComprehendingOneHasNoForecast() throws Exception {
        ReportModel never = recorded("heldout-s1-wd0.3-f0.2");
        assertThat(never.summary().tVal()).isNull();
        assertThat(never.forecasts()).isNotEmpty();
        assertThat(never.forecasts().get(never.forecasts().size() - 1).surelyPastBudget())
                .isTrue();

        RunRecords.Collector c = RunRecords.collector("together");
        for (int i = 0; i <= 100; i++) { // train and val fit together: never memorized, so nothing to forecast
            double acc = Math.min(1, i / 50.0);
            c.add(io.grokwatch.events.StepRecord.of("together", i * 10L, 1 - acc, acc, 1 - acc, acc));
        }
        ReportModel together =
                new ReportAssembler(io.grokwatch.analyzer.detect.DetectorConfig.defaults(), 3, 100).assemble(c.build());
        assertThat(together.summary().finalClass()).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(together.forecasts()).isEmpty();
    }

    private static ReportModel recorded(String run) throws java.io.IOException {
        java.nio.file.Path file =
                java.nio.file.Path.of("..", "bench", "runs", "heldout-simple-grokking-10", run + ".jsonl");
        return new ReportAssembler(io.grokwatch.analyzer.detect.DetectorConfig.defaults(), 3, 4000)
                .assemble(JsonlRunReader.read(file, null));
    }
}
