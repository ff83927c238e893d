package io.grokwatch.cli.report.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.events.Event;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Job;
import io.grokwatch.events.RunStarted;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SweepSummaryTest {
    private static final String SWEEP = "sw-grid";

    private static SweepSummary grid(List<String> axes) {
        return SweepSummary.of(
                SyntheticSweep.records(SWEEP, SyntheticSweep.events(SWEEP, SyntheticSweep.grid(SWEEP))),
                DetectorConfig.defaults(),
                axes);
    }

    @Test
    void everyRunGetsTheClassItsCurvesWereMadeFor() {
        SweepSummary s = grid(List.of());
        List<SyntheticSweep.RunSpec> specs = SyntheticSweep.grid(SWEEP);

        assertThat(s.runs()).hasSize(specs.size());
        for (SyntheticSweep.RunSpec spec : specs) {
            SweepRun r = s.runs().stream()
                    .filter(x -> x.run().equals(spec.run()))
                    .findFirst()
                    .orElseThrow();
            if (!spec.started()) {
                assertThat(r.status()).isEqualTo(SweepRun.MISSING);
                assertThat(r.finalClass()).isNull();
                assertThat(r.report()).isNull();
                continue;
            }
            assertThat(r.finalClass()).as(spec.run()).isEqualTo(spec.expected());
            assertThat(r.tVal()).as(spec.run()).isEqualTo(spec.tVal());
            assertThat(r.tTrain()).as(spec.run()).isEqualTo(spec.tTrain());
            assertThat(r.status()).isEqualTo("completed");
            assertThat(r.point()).doesNotContainKey("seed");
            assertThat(r.report()).isEqualTo("runs/" + spec.run() + ".html");
        }
        assertThat(s.classCounts())
                .containsEntry(FinalClass.CONFUSION, 2)
                .containsEntry(FinalClass.MEMORIZATION, 4)
                .containsEntry(FinalClass.GROKKING, 4)
                .containsEntry(FinalClass.COMPREHENSION, 2);
    }

    @Test
    void cellsAggregateSeedsWithMajorityAndMedians() {
        SweepSummary s = grid(List.of());

        assertThat(s.axes()).extracting(Axis::name).containsExactly("weightDecay", "trainFraction");
        assertThat(s.axes().get(0).values()).containsExactly(0.01, 0.1, 1.0);
        assertThat(s.axes().get(1).values()).containsExactly(0.3, 0.6);
        assertThat(s.cells()).hasSize(6);
        Cell grokking = s.cell(1, 1); // weightDecay 0.1, trainFraction 0.6
        assertThat(grokking.majority()).isEqualTo(FinalClass.GROKKING);
        assertThat(grokking.majorityCount()).isEqualTo(2);
        assertThat(grokking.tVal().value()).isEqualTo(2100);
        assertThat(grokking.delay().value()).isEqualTo(2050);
        Cell comprehension = s.cell(2, 1);
        assertThat(comprehension.runs()).hasSize(3); // the third seed never started
        assertThat(comprehension.classified()).isEqualTo(2);
        assertThat(comprehension.majority()).isEqualTo(FinalClass.COMPREHENSION);
        Cell memorization = s.cell(0, 1);
        assertThat(memorization.majority()).isEqualTo(FinalClass.MEMORIZATION);
        assertThat(memorization.tVal().value()).isNull();
        assertThat(memorization.tVal().reached()).isZero();
        assertThat(memorization.tTrain().value()).isEqualTo(50);
        assertThat(s.cell(0, 0).majority()).isEqualTo(FinalClass.CONFUSION);
        assertThat(s.widthAxis()).isEmpty();
        assertThat(s.budget()).isEqualTo(SyntheticSweep.BUDGET);
        assertThat(s.fixedSteps()).containsExactly(750L, 1500L, 3000L);
    }

    @Test
    void theGridsAxisOrderSurvivesAnEncoderThatSortsThePointsKeys() {
        // EventCodec writes a run_started config's maps with their keys sorted; do the same to every point here
        List<Event> sorted = SyntheticSweep.events(SWEEP, SyntheticSweep.grid(SWEEP)).stream()
                .map(SweepSummaryTest::withSortedPoint)
                .toList();
        SweepRecords records = SyntheticSweep.records(SWEEP, sorted);
        assertThat(records.runs()
                        .get(SWEEP + "-000")
                        .started()
                        .config()
                        .get("point")
                        .toString())
                .startsWith("{seed=0, trainFraction=");

        SweepSummary s = SweepSummary.of(records, DetectorConfig.defaults(), List.of());

        assertThat(s.axes()).extracting(Axis::name).containsExactly("weightDecay", "trainFraction");
        assertThat(s.cell(1, 1).majority()).isEqualTo(FinalClass.GROKKING);
    }

    private static Event withSortedPoint(Event e) {
        if (e instanceof Job j) return new Job(j.run(), j.sweep(), j.time(), new TreeMap<>(j.point()), j.config());
        if (e instanceof RunStarted r) {
            Map<String, Object> config = new LinkedHashMap<>(r.config());
            @SuppressWarnings("unchecked")
            Map<String, Object> point = (Map<String, Object>) config.get("point");
            config.put("point", new TreeMap<>(point));
            return new RunStarted(r.run(), r.time(), r.task(), r.model(), config, r.provenance());
        }
        return e;
    }

    @Test
    void runIdsSortByTheirIndexPastThreeDigits() {
        List<String> ids = new java.util.ArrayList<>(List.of("sw-1-1000", "sw-1-999", "sw-1-010", "sw-1-002"));
        ids.sort(SweepRecords.BY_INDEX);
        assertThat(ids).containsExactly("sw-1-002", "sw-1-010", "sw-1-999", "sw-1-1000");
    }

    @Test
    void axesCanBeChosenAndAnUnknownOneIsNamed() {
        SweepSummary s = grid(List.of("trainFraction", "weightDecay"));
        assertThat(s.axes()).extracting(Axis::name).containsExactly("trainFraction", "weightDecay");
        assertThat(s.cell(1, 2).majority()).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(s.cell(0, 1).majority()).isEqualTo(FinalClass.MEMORIZATION);

        SweepSummary one = grid(List.of("weightDecay"));
        assertThat(one.aggregated()).containsExactly("trainFraction");
        assertThat(one.cells()).hasSize(3);
        assertThat(one.cell(2, 0).runs()).hasSize(5);

        assertThatThrownBy(() -> grid(List.of("lr")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sweep 'sw-grid' has no axis 'lr'; its points vary [weightDecay, trainFraction]");
    }

    @Test
    void aWidthSweepHasValidationAccuracyAtFixedSteps() {
        String sweep = "sw-width";
        SweepSummary s = SweepSummary.of(
                SyntheticSweep.records(sweep, SyntheticSweep.events(sweep, SyntheticSweep.widths(sweep))),
                DetectorConfig.defaults(),
                List.of());

        assertThat(s.widthAxis()).map(Axis::name).contains("hidden");
        assertThat(s.axes()).hasSize(1);
        assertThat(s.axes().get(0).values()).containsExactly(List.of(8), List.of(32), List.of(128));
        assertThat(s.cells()).hasSize(3);
        // at 25% of the budget only the widest model generalises, at 50% the two wider, at the end all three
        assertThat(s.cells()).extracting(c -> c.valAccAt().get(750L)).containsExactly(0.02, 0.02, 0.99);
        assertThat(s.cells()).extracting(c -> c.valAccAt().get(1500L)).containsExactly(0.02, 0.99, 0.99);
        assertThat(s.cells()).extracting(c -> c.valAccAt().get(3000L)).containsExactly(0.99, 0.99, 0.99);
    }

    @Test
    void aTieGoesToTheClassNamedFirst() {
        String sweep = "sw-tie";
        List<SyntheticSweep.RunSpec> specs = SyntheticSweep.grid(sweep).subList(6, 8).stream()
                .map(r -> new SyntheticSweep.RunSpec(
                        r.run(), r.point(), r.tTrain(), r.run().endsWith("6") ? 500L : 2500L, true, true, r.lastStep()))
                .toList();
        SweepSummary s = SweepSummary.of(
                SyntheticSweep.records(sweep, SyntheticSweep.events(sweep, specs)),
                DetectorConfig.defaults(),
                List.of());
        assertThat(s.cells()).hasSize(1);
        assertThat(s.cells().get(0).majority()).isEqualTo(FinalClass.COMPREHENSION);
        assertThat(s.cells().get(0).majorityCount()).isEqualTo(1);
        assertThat(s.cells().get(0).classified()).isEqualTo(2);
    }
}
