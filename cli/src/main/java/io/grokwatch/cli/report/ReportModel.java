package io.grokwatch.cli.report;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import java.util.List;
import java.util.Map;

/**
 * Everything one run's report shows, computed and ready to draw.
 *
 * @param task the task id, or "unknown" without a run_started record
 * @param model the model kind, or "unknown"
 * @param config the run's configuration from run_started (empty without it)
 * @param summary the detector's verdict over all steps: final class, t_train, t_val, transitions, alerts
 * @param steps the step records to plot (possibly thinned out for long runs), sorted by step
 * @param stepCount how many step records the run has (before thinning)
 * @param wallMillis time from the first to the last step record, or null without record times
 * @param finishReason why the run ended, or null when it has not (or no run_finished was seen)
 * @param phases the phases the run went through
 * @param snapshots the snapshots picked to show (before / during / after grokking)
 * @param structure the structure analysis of every snapshot, by step
 */
public record ReportModel(
        String run,
        String task,
        String model,
        Map<String, Object> config,
        RunSummary summary,
        List<StepRecord> steps,
        int stepCount,
        Long wallMillis,
        String finishReason,
        List<PhaseSpan> phases,
        List<SnapshotView> snapshots,
        List<StructureAnalysis> structure,
        List<Forecast> forecasts,
        long forecastBudget) {

    public ReportModel {
        config = Map.copyOf(config);
        steps = List.copyOf(steps);
        phases = List.copyOf(phases);
        snapshots = List.copyOf(snapshots);
        structure = List.copyOf(structure);
        forecasts = List.copyOf(forecasts);
        if (summary == null) throw new IllegalArgumentException("summary must not be null");
    }
}
