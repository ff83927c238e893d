package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.forecast.ValLossForecaster;
import io.grokwatch.analyzer.policy.AcrossRunPolicy;
import io.grokwatch.analyzer.policy.PerRunPolicy;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.analyzer.policy.RunStopper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-run detectors of the partitions this instance owns, keyed by partition number and run
 * id. Confined to the pipeline's worker thread: no locking.
 */
final class RunStateStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunStateStore.class);
    private final DetectorConfig config;
    private final ValLossForecaster.Config forecastConfig;
    /** The auto-stop policy when it decides each run alone, else null. */
    private final PerRunPolicy stopPolicy;
    /** The auto-stop policy when it compares the runs of a sweep, else null. */
    private final SweepPolicy sweepPolicy;

    private final Map<Integer, Map<String, RunSlot>> byPartition = new HashMap<>();
    /** Runs with a run_finished waiting for their last records (see {@link RunSlot#finishAt}). */
    private final Set<RunSlot> finishing = new HashSet<>();

    /** @param stopPolicy the auto-stop policy, per run or across the runs of a sweep; null for none */
    RunStateStore(DetectorConfig config, ValLossForecaster.Config forecastConfig, ReplayPolicy stopPolicy) {
        this.config = config;
        this.forecastConfig = forecastConfig;
        this.stopPolicy = stopPolicy instanceof PerRunPolicy p ? p : null;
        this.sweepPolicy = stopPolicy instanceof AcrossRunPolicy a ? new SweepPolicy(a) : null;
        if (stopPolicy != null && this.stopPolicy == null && this.sweepPolicy == null)
            throw new IllegalArgumentException("policy " + stopPolicy.spec() + " is neither per run nor across runs");
    }

    /** The per-run auto-stop policy, null when there is none or it is across runs. */
    PerRunPolicy perRunPolicy() {
        return stopPolicy;
    }

    /** The across-run auto-stop policy, null when there is none or it is per run. */
    SweepPolicy sweepPolicy() {
        return sweepPolicy;
    }

    /** One run's detector plus what the service remembers about it. */
    static final class RunSlot {
        final int partition;
        final RunDetector detector;
        /** The auto-stop command went out (in a committed transaction, or in the open one). */
        boolean stopSent;
        /**
         * The lastStep of a run_finished that arrived before the run's last step records (another
         * topic, so another fetch), null when none waits: the run is finished once a step at or past
         * it arrives or its metrics partition has been read to the end.
         */
        Long finishAt;
        /** The run's t_val forecaster, fed every step record. */
        final ValLossForecaster forecaster;
        /** The run's step budget from its run_started, null until one is seen. */
        Long budget;
        /** The auto-stop policy's state for the run, made at its first step; null before or without a policy. */
        RunStopper stopper;
        /** The last step fed to {@link #stopper} (later repeats and stragglers are not fed), -1 before the first. */
        long stopperLastStep = -1;
        /** Val accuracy of the newest evaluation, for the AUTO_STOPPED alert (not kept across restarts). */
        double lastValAcc;
        /** The sweep its run_started names, for an across-run policy; null before or outside one. */
        String sweep;
        /** Evaluations that came before the run_started naming its sweep, for an across-run policy; or null. */
        List<io.grokwatch.events.StepRecord> beforeSweep;

        RunSlot(int partition, RunDetector detector, boolean stopSent, Long finishAt, ValLossForecaster forecaster) {
            this.partition = partition;
            this.detector = detector;
            this.stopSent = stopSent;
            this.finishAt = finishAt;
            this.forecaster = forecaster;
        }

        StoredRun.ForecastState forecastState() {
            return new StoredRun.ForecastState(budget, forecaster.state());
        }
    }

    /** The run's slot, created empty for a run not seen before. */
    RunSlot slot(int partition, String run) {
        return byPartition
                .computeIfAbsent(partition, p -> new HashMap<>())
                .computeIfAbsent(
                        run,
                        r -> new RunSlot(
                                partition,
                                new RunDetector(r, config),
                                false,
                                null,
                                new ValLossForecaster(forecastConfig)));
    }

    /** The run's auto-stop policy state for the changelog; null before its first step or without a policy. */
    StoredRun.PolicyState policyState(RunSlot slot) {
        if (sweepPolicy != null) return sweepPolicy.state(slot);
        if (slot.stopper == null) return null;
        return new StoredRun.PolicyState(stopPolicy.spec(), "", slot.stopperLastStep, slot.stopper.state());
    }

    /** Marks the run as waiting to be finished at {@code lastStep}, or clears that when null. */
    void finishAt(RunSlot slot, Long lastStep) {
        slot.finishAt = lastStep;
        if (lastStep == null) finishing.remove(slot);
        else finishing.add(slot);
    }

    /** The runs waiting to be finished, by partition and run id (the same order after a restore). */
    List<RunSlot> finishing() {
        List<RunSlot> out = new ArrayList<>(finishing);
        out.sort(java.util.Comparator.<RunSlot>comparingInt(s -> s.partition).thenComparing(s -> s.detector.run()));
        return out;
    }

    /** Installs state read back from the changelog, replacing whatever was held for those partitions. */
    void install(RestoredState restored) {
        Map<RunSlot, StoredRun.PolicyState> policyStates = new java.util.LinkedHashMap<>();
        restored.byPartition().forEach((partition, runs) -> {
            Map<String, RunSlot> slots = new HashMap<>();
            finishing.removeIf(s -> s.partition == partition);
            runs.forEach((run, stored) -> {
                StoredRun.ForecastState fc = stored.forecast();
                RunSlot slot = new RunSlot(
                        partition,
                        RunDetector.restore(stored.detector(), config),
                        stored.stopSent(),
                        null,
                        fc == null
                                ? new ValLossForecaster(forecastConfig)
                                : ValLossForecaster.restore(forecastConfig, fc.forecaster()));
                if (fc != null) slot.budget = fc.budget();
                if (sweepPolicy != null) policyStates.put(slot, stored.policy());
                else restorePolicy(slot, stored.policy());
                finishAt(slot, stored.finishAt());
                slots.put(run, slot);
            });
            Map<String, RunSlot> before = byPartition.put(partition, slots);
            if (sweepPolicy != null && before != null) sweepPolicy.drop(List.copyOf(before.values()));
        });
        if (sweepPolicy != null) sweepPolicy.install(policyStates);
    }

    /**
     * The policy's state as it was, when it was written under the same spec; state of another spec (the analyzer was
     * restarted with another --auto-stop) is dropped and the policy starts at the run's next step.
     */
    private void restorePolicy(RunSlot slot, StoredRun.PolicyState stored) {
        if (stopPolicy == null || stored == null || !stored.spec().equals(stopPolicy.spec())) return;
        try {
            slot.stopper = stopPolicy.restore(stored.state());
            slot.stopperLastStep = stored.lastStep();
        } catch (IllegalArgumentException e) {
            // Only the stop's timing depends on it (the transitions do not): start the policy over, and say so.
            log.warn(
                    "run '{}': auto-stop state not restored, the policy starts over: {}",
                    slot.detector.run(),
                    e.getMessage());
        }
    }

    /** Forgets the runs of partitions this instance no longer owns. */
    void drop(Set<Integer> partitions) {
        for (int p : partitions) {
            Map<String, RunSlot> gone = byPartition.remove(p);
            if (sweepPolicy != null && gone != null) sweepPolicy.drop(List.copyOf(gone.values()));
        }
        finishing.removeIf(s -> partitions.contains(s.partition));
    }

    /** Partition numbers with state held. */
    List<Integer> partitions() {
        return new ArrayList<>(byPartition.keySet());
    }

    int runs() {
        return byPartition.values().stream().mapToInt(Map::size).sum();
    }
}
