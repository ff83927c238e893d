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
}
