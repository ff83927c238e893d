package io.grokwatch.cli.report;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.analyzer.forecast.ForecastReplay;
import io.grokwatch.analyzer.forecast.ValLossForecaster;
import io.grokwatch.analyzer.policy.PolicyReplay;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a run's records into a {@link ReportModel}: replays the steps and structure analyses
 * through the analyzer's {@link RunDetector} (the same code that watches live runs), analyses
 * every snapshot, and picks the snapshots before, during and after grokking.
 */
public final class ReportAssembler {
    /** Points per curve a report keeps by default (StepThinner), enough for a smooth chart of a 100k-step run. */
    public static final int DEFAULT_MAX_POINTS = 4000;

    private final DetectorConfig detectorConfig;
    private final int topK;
    private final int maxPoints;

    /**
     * @param topK how many key frequencies the structure analysis reports
     * @param maxPoints how many step records to plot at most (long runs are thinned out)
     */
    public ReportAssembler(DetectorConfig detectorConfig, int topK, int maxPoints) {
        if (detectorConfig == null) throw new IllegalArgumentException("detectorConfig must not be null");
        if (topK < 1) throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        if (maxPoints < 2) throw new IllegalArgumentException("maxPoints must be >= 2, got " + maxPoints);
        this.detectorConfig = detectorConfig;
        this.topK = topK;
        this.maxPoints = maxPoints;
    }

    /** The report model of one run; it must hold at least one step record. */
    public ReportModel assemble(RunRecords records) {
        List<StepRecord> steps = records.steps();
        if (steps.isEmpty())
            throw new IllegalArgumentException("run '" + records.run() + "' has no step records to report on");
        List<StructureAnalysis> structure = analyse(records.snapshots());
        RunSummary summary = replay(records.run(), steps, structure);
        long first = steps.get(0).step();
        long last = steps.get(steps.size() - 1).step();
        ForecastReplay.RunForecasts forecasts = ForecastReplay.of(
                new PolicyReplay.RecordedRun(records.run(), steps, budgetOf(records)),
                detectorConfig,
                ValLossForecaster.Config.DEFAULT);
        List<Long> transitionSteps =
                summary.transitions().stream().map(Transition::step).toList();
        return new ReportModel(
                records.run(),
                records.started() == null ? "unknown" : records.started().task(),
                records.started() == null ? "unknown" : records.started().model(),
                records.started() == null ? Map.of() : records.started().config(),
                summary,
                StepThinner.thin(steps, maxPoints, transitionSteps),
                steps.size(),
                wallMillis(steps),
                records.finished() == null
                        ? null
                        : records.finished().status() + ": "
                                + records.finished().reason(),
                PhaseSpan.of(summary.transitions(), first, last),
                pickSnapshots(records.snapshots(), structure, summary),
                structure,
                thin(forecasts.forecasts()),
                forecasts.budget());
    }

    /** The run's configured steps from its run_started, null when unknown (the forecast then uses its last step). */
    private static Long budgetOf(RunRecords records) {
        return records.started() == null ? null : records.started().budget();
    }

    /** At most maxPoints forecasts, evenly spaced, the last kept (the one made latest). */
    private List<Forecast> thin(List<Forecast> all) {
        if (all.size() <= maxPoints) return all;
        List<Forecast> out = new ArrayList<>(maxPoints);
        double every = (all.size() - 1) / (double) (maxPoints - 1);
        for (int i = 0; i < maxPoints; i++) out.add(all.get((int) Math.round(i * every)));
        return out;
    }

    // ---------------------------------------------------------------- steps

    private List<StructureAnalysis> analyse(List<EmbeddingSnapshot> snapshots) {
        List<StructureAnalysis> out = new ArrayList<>(snapshots.size());
        for (EmbeddingSnapshot s : snapshots) out.add(StructureAnalyzer.analyze(s, topK, s.time()));
        return out;
    }

    /** Feeds steps and analyses in step order, as the live analyzer would see them, then ends the run. */
    private RunSummary replay(String run, List<StepRecord> steps, List<StructureAnalysis> structure) {
        RunDetector detector = new RunDetector(run, detectorConfig);
        int a = 0;
        long now = 0;
        for (StepRecord s : steps) {
            now = s.time() == null ? now : s.time(); // record times stand in for the clock, as in OfflineClassifier
            detector.accept(s, now);
            while (a < structure.size() && structure.get(a).step() <= s.step()) {
                detector.accept(structure.get(a), now);
                a++;
            }
        }
        detector.finish(now);
        return detector.summary();
    }

    private static Long wallMillis(List<StepRecord> steps) {
        Long t0 = steps.get(0).time();
        Long t1 = steps.get(steps.size() - 1).time();
        return t0 == null || t1 == null ? null : t1 - t0;
    }

    /**
     * Before: the last snapshot before validation starts rising (the memorized plateau); during:
     * the one nearest the middle of the jump; after: the last one. Without a jump: first, middle, last.
     * Each also gets its projection onto the plane of the last snapshot's strongest key frequency.
     */
    static List<SnapshotView> pickSnapshots(
            List<EmbeddingSnapshot> snapshots, List<StructureAnalysis> structure, RunSummary summary) {
        if (snapshots.isEmpty()) return List.of();
        Long jumpStart = stepOf(summary, Phase.GENERALIZING);
        Long jumpEnd = stepOf(summary, Phase.GROKKED);
        if (jumpEnd == null) jumpEnd = stepOf(summary, Phase.COMPREHENDED);
        if (jumpEnd == null) jumpEnd = summary.tVal();
        if (jumpStart == null && jumpEnd != null) jumpStart = summary.tTrain() != null ? summary.tTrain() : jumpEnd;
        int n = snapshots.size();
        Map<Integer, String> picked = new LinkedHashMap<>();
        if (jumpEnd == null) {
            picked.put(0, "first");
            picked.putIfAbsent(n / 2, "middle");
            picked.putIfAbsent(n - 1, "last");
        } else {
            int before = lastAtOrBefore(snapshots, jumpStart);
            int during = nearest(snapshots, (jumpStart + jumpEnd) / 2);
            picked.put(Math.max(before, 0), "before");
            picked.putIfAbsent(during, "during");
            picked.putIfAbsent(n - 1, "after");
        }
        // One plane for all views: the strongest frequency at the end, so the circle is seen forming.
        int[] lastKeys = structure.get(Collections.max(picked.keySet())).keyFrequencies();
        int k = lastKeys.length == 0 ? 0 : lastKeys[0];
        List<SnapshotView> views = new ArrayList<>();
        picked.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            EmbeddingSnapshot s = snapshots.get(e.getKey());
            views.add(new SnapshotView(
                    e.getValue(),
                    s.step(),
                    s.modulus(),
                    FourierSpectrum.shares(s),
                    k,
                    FourierPlane.project(s, k),
                    structure.get(e.getKey())));
        });
        return views;
    }

    private static Long stepOf(RunSummary summary, Phase to) {
        return summary.transitions().stream()
                .filter(t -> t.to() == to)
                .map(Transition::step)
                .findFirst()
                .orElse(null);
    }

    private static int lastAtOrBefore(List<EmbeddingSnapshot> snapshots, long step) {
        int found = -1;
        for (int i = 0; i < snapshots.size(); i++) if (snapshots.get(i).step() <= step) found = i;
        return found;
    }

    private static int nearest(List<EmbeddingSnapshot> snapshots, long step) {
        int best = 0;
        for (int i = 1; i < snapshots.size(); i++) {
            if (Math.abs(snapshots.get(i).step() - step)
                    < Math.abs(snapshots.get(best).step() - step)) best = i;
        }
        return best;
    }
}
