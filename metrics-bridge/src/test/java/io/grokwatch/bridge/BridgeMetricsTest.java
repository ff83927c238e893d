package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Topics;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run's series leave with it, checked against everything in the registry rather than against
 * BridgeMetrics' own list of per-run metrics, so a metric that bypasses that list is caught too.
 */
class BridgeMetricsTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final BridgeMetrics metrics = new BridgeMetrics(registry);

    @Test
    void removingARunRemovesItsSeriesFromEveryMetricAndLeavesOtherRunsAlone() {
        RunView gone = fullyKnown("gone", "add_mod", "mlp");
        RunView stays = fullyKnown("stays", "mul_mod", "transformer");
        showAsTheBridgeDoes(gone);
        showAsTheBridgeDoes(stays);
        // The pipeline metrics only need one data point each for the check below.
        metrics.setConsumerLag(MetricsBridge.ANALYZER_GROUP_ID, Topics.METRICS, 3);

        // With every metric filled, an empty one would be a per-run metric this test cannot check.
        assertThat(metricsWithoutDataPoints())
                .as("metrics nothing above wrote to")
                .isEmpty();
        List<String> staysBefore = seriesOfRun("stays");
        assertThat(seriesOfRun("gone")).as("series of the run before removal").isNotEmpty();

        metrics.remove(gone);

        assertThat(seriesOfRun("gone"))
                .as("series of a removed run still in the registry")
                .isEmpty();
        assertThat(seriesOfRun("stays")).as("series of the other run").isEqualTo(staysBefore);
    }

    @Test
    void aRunThatLostItsUnknownLabelsKeepsOnlyTheSeriesWithItsRealOnes() {
        RunView unknown = RunView.first("r", RunInfo.NOT_STARTED, 1_000).withStep(Runs.step("r", 1, 1_000), 1_000);
        showAsTheBridgeDoes(unknown);
        RunView started = fullyKnown("r", "add_mod", "mlp");

        metrics.remove(unknown);
        showAsTheBridgeDoes(started);

        assertThat(seriesOfRun("r")).isNotEmpty().noneMatch(series -> series.contains("unknown"));
    }

    @Test
    void theCheckFindsTheSeriesOfAPerRunMetricMadeWithoutBridgeMetrics() {
        Gauge bypassing = Gauge.builder()
                .name("grokwatch_run_bypassing")
                .help("A per-run gauge that BridgeMetrics does not know about")
                .labelNames(BridgeMetrics.RUN_LABELS)
                .register(registry);
        RunView run = fullyKnown("r", "add_mod", "mlp");
        showAsTheBridgeDoes(run);
        bypassing.labelValues(run.labels()).set(1);

        metrics.remove(run);

        assertThat(seriesOfRun("r"))
                .containsExactly("grokwatch_run_bypassing{model=\"mlp\",run=\"r\",task=\"add_mod\"}");
    }

    /** A run with every optional field known, so {@link BridgeMetrics#show} writes every per-run series. */
    private static RunView fullyKnown(String run, String task, String model) {
        RunInfo info = new RunInfo(task, model, "CPU test-backend", "0.1.0-test", "7");
        return new RunView(
                run,
                info,
                Runs.step(run, 500, 5_000),
                100.0,
                72.5,
                0.125,
                Phase.GROKKED,
                100L,
                450L,
                0.8125,
                0.6875,
                new Forecast(run, 400, 5_000, 2_000L, 900L, 700L, null, 1.5, "test"),
                true,
                400,
                true,
                6_000);
    }

    /** What RecordProcessor does for a new run, plus the counters a run's records bump. */
    private void showAsTheBridgeDoes(RunView view) {
        metrics.show(view);
        metrics.showInfo(view);
        metrics.countTransition(view.phase());
        metrics.countAlert(AlertKind.STALLED);
        metrics.observeEndToEndLag(0.5);
    }

    /** Every series in the registry whose run label is {@code run}, as name{labels}. */
    private List<String> seriesOfRun(String run) {
        List<String> series = new ArrayList<>();
        for (MetricSnapshot metric : registry.scrape()) {
            for (DataPointSnapshot point : metric.getDataPoints()) {
                if (run.equals(point.getLabels().get("run"))) {
                    series.add(exposedName(metric) + point.getLabels());
                }
            }
        }
        return series;
    }

    private List<String> metricsWithoutDataPoints() {
        List<String> names = new ArrayList<>();
        for (MetricSnapshot metric : registry.scrape()) {
            if (metric.getDataPoints().isEmpty()) names.add(exposedName(metric));
        }
        return names;
    }

    /** The name as scraped: snapshots of info metrics and counters carry it without the suffix. */
    private static String exposedName(MetricSnapshot metric) {
        String name = metric.getMetadata().getPrometheusName();
        if (metric instanceof InfoSnapshot) return name + "_info";
        if (metric instanceof CounterSnapshot) return name + "_total";
        return name;
    }
}
