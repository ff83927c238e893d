package io.grokwatch.bridge;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.metrics.MetricWithFixedMetadata;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Every metric the bridge exports but the per-sweep ones ({@link SweepMetrics}), each defined once; see
 * METRICS.md for the table.
 *
 * <p>Writers: the poll thread (per-run series and counters), the sweep reader thread (the consumed and
 * malformed counters of grokwatch.jobs) and the lag monitor thread (consumer
 * lag). Readers: the HTTP server's scrape threads. The Prometheus metric classes are safe for
 * that mix, so this class holds no lock of its own.
 *
 * <p>Per-run metrics are made only through {@link #perRun}, which also enrols them in
 * {@link #remove}: a new per-run metric leaves with its run without a second list to keep.
 */
final class BridgeMetrics {
    /** Label names every per-run metric starts with; extra labels (phase, provenance) follow. */
    static final String[] RUN_LABELS = {"run", "task", "model"};

    private static final Unit STEPS = new Unit("steps");
    private static final Unit RECORDS = new Unit("records");
    private static final Unit STEPS_PER_SECOND = new Unit("steps_per_second");
    /** Seconds from a step's evaluation to the bridge consuming it: 5 ms up to 15 min. */
    private static final double[] END_TO_END_LAG_BOUNDS = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900
    };

    private final Gauge trainAccuracy;
    private final Gauge valAccuracy;
    private final Gauge trainLoss;
    private final Gauge valLoss;
    private final Gauge weightNorm;
    private final Gauge weightDistance;
    private final Gauge step;
    private final Gauge stepsPerSecond;
    private final Gauge phase;
    private final Gauge memorizedStep;
    private final Gauge grokkedStep;
    private final Gauge grokkingDelay;
    private final Gauge fourierTopKEnergy;
    private final Gauge rqi;
    private final Gauge forecastTVal;
    private final Gauge forecastLow;
    private final Gauge forecastHigh;
    private final Gauge forecastWithinBudget;
    private final Gauge stalled;
    private final Gauge finished;
    private final Gauge lastUpdate;
    private final Info runInfo;
    private final Counter transitions;
    private final Counter alerts;
    private final Counter consumed;
    private final Counter malformed;
    private final Counter dlqRecords;
    private final Gauge consumerLag;
    private final Histogram endToEndLag;
    private final Gauge up;
    private final Gauge kafkaReachable;

    private final PrometheusRegistry registry;
    /** Every per-run metric, enrolled by {@link #perRun}; {@link #remove} walks it. */
    private final List<PerRunMetric> perRunMetrics = new ArrayList<>();

    BridgeMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        trainAccuracy = perRun(Gauge.builder()
                .name("grokwatch_run_train_accuracy_ratio")
                .help("Training accuracy of the run's last step record")
                .unit(Unit.RATIO));
        valAccuracy = perRun(Gauge.builder()
                .name("grokwatch_run_val_accuracy_ratio")
                .help("Validation accuracy of the run's last step record")
                .unit(Unit.RATIO));
        trainLoss = perRun(Gauge.builder()
                .name("grokwatch_run_train_loss")
                .help("Training loss of the run's last step record; NaN or Inf when the run diverged"));
        valLoss = perRun(Gauge.builder()
                .name("grokwatch_run_val_loss")
                .help("Validation loss of the run's last step record; NaN or Inf when the run diverged"));
        weightNorm = perRun(Gauge.builder()
                .name("grokwatch_run_weight_norm")
                .help("Total L2 norm of the run's parameters at its last step record that carried it"));
        weightDistance = perRun(Gauge.builder()
                .name("grokwatch_run_weight_distance_ratio")
                .help("Relative L2 distance of the run's parameters from their initialisation")
                .unit(Unit.RATIO));
        step = perRun(Gauge.builder().name("grokwatch_run_step").help("Step of the run's last step record"));
        stepsPerSecond = perRun(Gauge.builder()
                .name("grokwatch_run_steps_per_second")
                .help("Training throughput: reported by the trainer, or derived from the last two timed step records")
                .unit(STEPS_PER_SECOND));
        phase = perRun(
                Gauge.builder()
                        .name("grokwatch_run_phase")
                        .help("1 for the run's current live phase (from the analyzer's transitions), 0 for the others"),
                BridgeMetrics::phaseSeries,
                "phase");
        memorizedStep = perRun(Gauge.builder()
                .name("grokwatch_run_memorized_step")
                .help("Step at which the run entered MEMORIZED; absent until it did"));
        grokkedStep = perRun(Gauge.builder()
                .name("grokwatch_run_grokked_step")
                .help("Step at which the run entered GROKKED; absent until it did"));
        grokkingDelay = perRun(Gauge.builder()
                .name("grokwatch_run_grokking_delay_steps")
                .help("Steps from MEMORIZED to GROKKED; absent until both are known")
                .unit(STEPS));
        fourierTopKEnergy = perRun(Gauge.builder()
                .name("grokwatch_run_fourier_topk_energy_ratio")
                .help("Share of the embeddings' non-constant Fourier energy in the top-k key frequencies")
                .unit(Unit.RATIO));
        rqi = perRun(Gauge.builder()
                .name("grokwatch_run_rqi_ratio")
                .help("Representation quality index (Liu et al. 2022) of the run's last structure analysis")
                .unit(Unit.RATIO));
        forecastTVal = perRun(Gauge.builder()
                .name("grokwatch_run_forecast_t_val_steps")
                .help("The analyzer's last forecast of the step the run reaches t_val at; +Inf for never")
                .unit(STEPS));
        forecastLow = perRun(Gauge.builder()
                .name("grokwatch_run_forecast_t_val_low_steps")
                .help("Earliest t_val the analyzer's last forecast allows; +Inf for never")
                .unit(STEPS));
        forecastHigh = perRun(Gauge.builder()
                .name("grokwatch_run_forecast_t_val_high_steps")
                .help("Latest t_val the analyzer's last forecast allows; +Inf for never")
                .unit(STEPS));
        forecastWithinBudget = perRun(Gauge.builder()
                .name("grokwatch_run_forecast_within_budget")
                .help("1 when the analyzer's last forecast puts t_val within the run's step budget, else 0"));
        stalled = perRun(Gauge.builder()
                .name("grokwatch_run_stalled")
                .help("1 after a STALLED alert until a later step shows progress, else 0"));
        finished = perRun(Gauge.builder()
                .name("grokwatch_run_finished")
                .help("1 once the run's run_finished record was seen, else 0"));
        lastUpdate = perRun(Gauge.builder()
                .name("grokwatch_run_last_update_timestamp_seconds")
                .help("When the bridge consumed the run's last record (Unix time)")
                .unit(Unit.SECONDS));
        runInfo = perRun(
                Info.builder().name("grokwatch_run_info").help("Provenance of a run from its run_started record"),
                view -> view.info().started() ? List.<String[]>of(infoLabels(view)) : List.of(),
                "backend",
                "version",
                "seed");
        transitions = Counter.builder()
                .name("grokwatch_transitions_total")
                .help("Phase transitions consumed, by the phase entered")
                .labelNames("to")
                .register(registry);
        alerts = Counter.builder()
                .name("grokwatch_alerts_total")
                .help("Analyzer alerts consumed, by kind")
                .labelNames("kind")
                .register(registry);
        consumed = Counter.builder()
                .name("grokwatch_bridge_records_consumed_total")
                .help("Records the bridge consumed, by topic, malformed ones included")
                .labelNames("topic")
                .register(registry);
        malformed = Counter.builder()
                .name("grokwatch_bridge_records_malformed_total")
                .help("Records the bridge could not decode and skipped, by topic")
                .labelNames("topic")
                .register(registry);
        dlqRecords = Counter.builder()
                .name("grokwatch_dlq_records_total")
                .help("Records seen on grokwatch.dlq")
                .register(registry);
        consumerLag = Gauge.builder()
                .name("grokwatch_consumer_lag_records")
                .help("Records not yet committed by a consumer group, summed over a topic's partitions")
                .unit(RECORDS)
                .labelNames("group", "topic")
                .register(registry);
        endToEndLag = Histogram.builder()
                .name("grokwatch_end_to_end_lag_seconds")
                .help(
                        "Time from a step record's evaluation (its time field, else its Kafka timestamp) to the bridge consuming it")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(END_TO_END_LAG_BOUNDS)
                .register(registry);
        up = Gauge.builder()
                .name("grokwatch_bridge_up")
                .help("1 while the bridge runs")
                .register(registry);
        kafkaReachable = Gauge.builder()
                .name("grokwatch_bridge_kafka_reachable")
                .help(
                        "1 while the bridge's last query to Kafka (the consumer-lag refresh) was answered, 0 while it fails")
                .register(registry);

        // Counters start at 0 for every known label value, so rate() and increase() see the first event.
        for (Phase p : Phase.values()) transitions.initLabelValues(p.name());
        for (AlertKind k : AlertKind.values()) alerts.initLabelValues(k.name());
        for (String topic : MetricsBridge.TOPICS) {
            consumed.initLabelValues(topic);
            malformed.initLabelValues(topic);
        }
    }

    /** Writes every known value of a run's view to its series, except the info series. */
    void show(RunView view) {
        String[] labels = view.labels();
        StepRecord last = view.lastStep();
        if (last != null) {
            trainAccuracy.labelValues(labels).set(last.trainAcc());
            valAccuracy.labelValues(labels).set(last.valAcc());
            trainLoss.labelValues(labels).set(last.trainLoss());
            valLoss.labelValues(labels).set(last.valLoss());
            step.labelValues(labels).set(last.step());
        }
        setIfKnown(weightNorm, labels, view.weightNorm());
        setIfKnown(weightDistance, labels, view.weightDistance());
        setIfKnown(stepsPerSecond, labels, view.stepsPerSecond());
        setIfKnown(memorizedStep, labels, view.memorizedStep());
        setIfKnown(grokkedStep, labels, view.grokkedStep());
        setIfKnown(grokkingDelay, labels, view.grokkingDelaySteps());
        setIfKnown(fourierTopKEnergy, labels, view.fourierTopKShare());
        setIfKnown(rqi, labels, view.rqi());
        Forecast forecast = view.forecast();
        if (forecast != null) {
            forecastTVal.labelValues(labels).set(stepsOrNever(forecast.tVal()));
            forecastLow.labelValues(labels).set(stepsOrNever(forecast.low()));
            forecastHigh.labelValues(labels).set(stepsOrNever(forecast.high()));
            forecastWithinBudget.labelValues(labels).set(forecast.withinBudget() ? 1 : 0);
        }
        stalled.labelValues(labels).set(view.stalled() ? 1 : 0);
        finished.labelValues(labels).set(view.finished() ? 1 : 0);
        lastUpdate.labelValues(labels).set(Unit.millisToSeconds(view.lastUpdateMillis()));
        // The phase goes last: a scrape reads the metrics in registration order, phase before the steps and
        // values above, so one that sees a run's new phase (or its new labels after a relabel) sees the rest of
        // this update too, instead of a phase whose memorized and grokked steps are not written yet.
        for (Phase p : Phase.values()) {
            phase.labelValues(labels[0], labels[1], labels[2], p.name()).set(p == view.phase() ? 1 : 0);
        }
    }

    /**
     * Adds the run's info series. Called only when a run appears or its info changes, not per
     * record: the Info metric keeps its label sets in a copy-on-write set, cheap to read, costly to
     * write.
     */
    void showInfo(RunView view) {
        if (view.info().started()) {
            runInfo.addLabelValues(infoLabels(view));
        }
    }

    /**
     * Removes every series of a run's view from every per-run metric, so a finished or silent run
     * stops costing cardinality.
     */
    void remove(RunView view) {
        for (PerRunMetric metric : perRunMetrics) {
            for (String[] labelValues : metric.seriesOfRun().apply(view)) {
                metric.removeSeries().accept(labelValues);
            }
        }
    }

    void countTransition(Phase to) {
        transitions.labelValues(to.name()).inc();
    }

    void countAlert(AlertKind kind) {
        alerts.labelValues(kind.name()).inc();
    }

    void countConsumed(String topic) {
        consumed.labelValues(topic).inc();
    }

    void countMalformed(String topic) {
        malformed.labelValues(topic).inc();
    }

    void countDlqRecord() {
        dlqRecords.inc();
    }

    void observeEndToEndLag(double seconds) {
        endToEndLag.observe(Math.max(0, seconds));
    }

    void setConsumerLag(String group, String topic, long records) {
        consumerLag.labelValues(group, topic).set(records);
    }

    void removeConsumerLag(String group, String topic) {
        consumerLag.remove(group, topic);
    }

    void setKafkaReachable(boolean reachable) {
        kafkaReachable.set(reachable ? 1 : 0);
    }

    void setUp(boolean isUp) {
        up.set(isUp ? 1 : 0);
    }

    /** Registers a per-run metric labelled run, task, model; {@link #remove} removes its series with the run. */
    private <M extends MetricWithFixedMetadata> M perRun(MetricWithFixedMetadata.Builder<?, M> builder) {
        // <String[]>: without it List.of would spread the array into a List<String>.
        return perRun(builder, view -> List.<String[]>of(view.labels()));
    }

    /**
     * Registers a per-run metric labelled run, task, model, then {@code extraLabels}, and enrols it
     * in {@link #remove}. {@code seriesOfRun} gives the label values of every series a run can have
     * in it; removing exactly those costs one lookup each, where a scan would visit every run's.
     */
    private <M extends MetricWithFixedMetadata> M perRun(
            MetricWithFixedMetadata.Builder<?, M> builder,
            Function<RunView, List<String[]>> seriesOfRun,
            String... extraLabels) {
        String[] labelNames = Stream.concat(Arrays.stream(RUN_LABELS), Arrays.stream(extraLabels))
                .toArray(String[]::new);
        M metric = builder.labelNames(labelNames).register(registry);
        perRunMetrics.add(new PerRunMetric(seriesRemover(metric), seriesOfRun));
        return metric;
    }

    /** The metric's remove(labelValues): Info has one of its own, not StatefulMetric's. */
    private static Consumer<String[]> seriesRemover(MetricWithFixedMetadata metric) {
        if (metric instanceof StatefulMetric<?, ?> stateful) return stateful::remove;
        if (metric instanceof Info info) return info::remove;
        throw new IllegalArgumentException(
                metric.getPrometheusName() + " is a " + metric.getClass().getSimpleName()
                        + ", which cannot remove series by label values, so it cannot be a per-run metric");
    }

    /** A per-run metric's remove(labelValues) and the label values of a run's series in it. */
    private record PerRunMetric(Consumer<String[]> removeSeries, Function<RunView, List<String[]>> seriesOfRun) {}

    /** The run's series of grokwatch_run_phase: one per phase, as {@link #show} writes them. */
    private static List<String[]> phaseSeries(RunView view) {
        String[] labels = view.labels();
        return Arrays.stream(Phase.values())
                .map(p -> new String[] {labels[0], labels[1], labels[2], p.name()})
                .toList();
    }

    /** A forecast step, where null means "never" and shows as +Inf, which PromQL compares as later than any step. */
    private static double stepsOrNever(Long step) {
        return step == null ? Double.POSITIVE_INFINITY : step;
    }

    private static void setIfKnown(Gauge gauge, String[] labels, Number value) {
        if (value != null) gauge.labelValues(labels).set(value.doubleValue());
    }

    private static String[] infoLabels(RunView view) {
        RunInfo info = view.info();
        return new String[] {view.run(), info.task(), info.model(), info.backend(), info.version(), info.seed()};
    }
}
