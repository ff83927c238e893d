package io.grokwatch.bridge;

import io.grokwatch.events.FinalClass;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-sweep metrics (METRICS.md, "Per sweep"), each defined once; {@link BridgeMetrics} holds the rest.
 *
 * <p>Apart from BridgeMetrics because they have another writer (the sweep reader's thread) and another
 * lifetime: a sweep's series stay while the bridge runs, they do not expire with a run's TTL.
 */
final class SweepMetrics {
    private final Gauge runs;
    private final Gauge finishedRuns;
    private final Gauge cancelled;
    private final Gauge runClass;
    private final Info info;
    /** The label values last written for each run in grokwatch_sweep_run_class, to remove them on change. */
    private final Map<String, String[]> runClassSeries = new HashMap<>();
    /** The label values last written for each sweep in grokwatch_sweep_info. */
    private final Map<String, String[]> infoSeries = new HashMap<>();

    SweepMetrics(PrometheusRegistry registry) {
        runs = Gauge.builder()
                .name("grokwatch_sweep_runs")
                .help("Runs of a sweep by state: queued (job published, not started), running, finished, cancelled")
                .labelNames("sweep", "state")
                .register(registry);
        finishedRuns = Gauge.builder()
                .name("grokwatch_sweep_finished_runs")
                .help("Finished runs of a sweep by final class after Liu et al. 2022, from the analyzer's transitions")
                .labelNames("sweep", "class")
                .register(registry);
        cancelled = Gauge.builder()
                .name("grokwatch_sweep_cancelled")
                .help("1 once a CANCEL command for the sweep was seen on grokwatch.control, else 0")
                .labelNames("sweep")
                .register(registry);
        runClass = Gauge.builder()
                .name("grokwatch_sweep_run_class")
                .help("Final class code of a finished run of a sweep at grid point x, y: "
                        + "1 comprehension, 2 grokking, 3 memorization, 4 confusion")
                .labelNames("sweep", "run", "x", "y", "class")
                .register(registry);
        info = Info.builder()
                .name("grokwatch_sweep_info")
                .help("The setting names on a sweep's x and y axes")
                .labelNames("sweep", "x_axis", "y_axis")
                .register(registry);
    }

    /** The value of grokwatch_sweep_run_class for a class: its position in FinalClass, from 1. */
    static int classCode(FinalClass c) {
        return c.ordinal() + 1;
    }

    /** Writes every series of one sweep, removing the per-run ones whose labels changed. */
    void show(SweepTable.SweepView view) {
        String sweep = view.sweep();
        String[] infoLabels = {sweep, view.xAxis(), view.yAxis()};
        String[] oldInfo = infoSeries.put(sweep, infoLabels);
        if (!Arrays.equals(oldInfo, infoLabels)) {
            if (oldInfo != null) info.remove(oldInfo);
            info.addLabelValues(infoLabels);
        }
        for (SweepTable.SweepRun r : view.runs()) {
            String[] labels = r.state() == SweepTable.State.FINISHED
                    ? new String[] {sweep, r.run(), r.x(), r.y(), r.finalClass().name()}
                    : null;
            String[] old = labels == null ? runClassSeries.remove(r.run()) : runClassSeries.put(r.run(), labels);
            if (old != null && !Arrays.equals(old, labels)) runClass.remove(old);
            if (labels != null) runClass.labelValues(labels).set(classCode(r.finalClass()));
        }
        // The counts go last, as BridgeMetrics writes a run's phase last: a scrape that sees a new
        // finished count sees the run's class series too.
        view.finishedByClass()
                .forEach((c, n) -> finishedRuns.labelValues(sweep, c.name()).set(n));
        view.countByState().forEach((s, n) -> runs.labelValues(sweep, s.label()).set(n));
        cancelled.labelValues(sweep).set(view.cancelled() ? 1 : 0);
    }
}
