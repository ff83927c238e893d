package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.kafka.RunStateStore.RunSlot;
import io.grokwatch.analyzer.policy.AcrossRunPolicy;
import io.grokwatch.analyzer.policy.LiveSweep;
import io.grokwatch.analyzer.policy.Stop;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live analyzer's across-run policy (median rule, ASHA): one {@link LiveSweep} per sweep id (from each run's
 * run_started), over the runs of the partitions this instance owns. A run outside a sweep is never stopped by it; a
 * run's evaluations before its run_started are held until it names the sweep. Confined to the pipeline's worker
 * thread: no locking.
 */
final class SweepPolicy {
    private final AcrossRunPolicy policy;
    private final Map<String, LiveSweep> sweeps = new HashMap<>();
    /** The member slots of every sweep, by run id. */
    private final Map<String, RunSlot> members = new HashMap<>();
    /** Sweeps with new evaluations or ends since the last release. */
    private final Set<String> changed = new LinkedHashSet<>();

    SweepPolicy(AcrossRunPolicy policy) {
        this.policy = policy;
    }

    AcrossRunPolicy policy() {
        return policy;
    }

    /** A run's run_started: it joins its sweep with the evaluations it had before. */
    void started(RunSlot slot, RunStarted started) {
        String sweep = started.sweep();
        if (sweep == null || slot.sweep != null) return;
        slot.sweep = sweep;
        members.put(slot.detector.run(), slot);
        sweeps.computeIfAbsent(sweep, s -> new LiveSweep(policy)).join(slot.detector.run());
        List<StepRecord> held = slot.beforeSweep;
        slot.beforeSweep = null;
        if (held != null) held.forEach(s -> observe(slot, s));
        changed.add(sweep);
    }

    void observe(RunSlot slot, StepRecord step) {
        if (slot.sweep == null) {
            if (slot.beforeSweep == null) slot.beforeSweep = new ArrayList<>();
            slot.beforeSweep.add(step);
            return;
        }
        sweeps.get(slot.sweep)
                .observe(slot.detector.run(), step.step(), policy.metric().of(step));
        changed.add(slot.sweep);
    }

    /** The run has finished: it no longer holds its sweep back. */
    void ended(RunSlot slot) {
        if (slot.sweep == null) return;
        sweeps.get(slot.sweep).end(slot.detector.run());
        changed.add(slot.sweep);
    }

    /** One stop the policy made. */
    record Decided(RunSlot slot, Stop stop) {}

    /** Feeds the changed sweeps' evaluations up to their frontiers; the stops, in sweep then run order. */
    List<Decided> release() {
        List<Decided> out = new ArrayList<>();
        for (String sweep : changed) {
            sweeps.get(sweep).release().forEach((run, stop) -> out.add(new Decided(members.get(run), stop)));
        }
        changed.clear();
        return out;
    }

    /** The run's policy state for the changelog, null for a run not in a sweep (yet). */
    StoredRun.PolicyState state(RunSlot slot) {
        if (slot.sweep == null) return null;
        return new StoredRun.PolicyState(
                policy.spec(), slot.sweep, -1, sweeps.get(slot.sweep).state(slot.detector.run()));
    }

    /**
     * Installs restored runs: each sweep they belong to is made again from the states of all its runs held now (those
     * restored, with their stored state, and those of other partitions already held, with their current one).
     */
    void install(Map<RunSlot, StoredRun.PolicyState> restored) {
        Map<String, Map<String, double[]>> bySweep = new TreeMap<>();
        restored.forEach((slot, stored) -> {
            if (stored == null || stored.group().isEmpty() || !stored.spec().equals(policy.spec())) return;
            slot.sweep = stored.group();
            bySweep.computeIfAbsent(slot.sweep, s -> new LinkedHashMap<>()).put(slot.detector.run(), stored.state());
        });
        for (Map.Entry<String, Map<String, double[]>> e : bySweep.entrySet()) {
            LiveSweep current = sweeps.get(e.getKey());
            if (current != null) {
                for (String run : current.runs()) {
                    if (!e.getValue().containsKey(run) && members.containsKey(run))
                        e.getValue().put(run, current.state(run));
                }
            }
        }
        restored.keySet().forEach(slot -> {
            if (slot.sweep != null) members.put(slot.detector.run(), slot);
        });
        bySweep.forEach((sweep, states) -> sweeps.put(sweep, LiveSweep.restore(policy, states)));
    }

    /** Forgets runs this instance no longer owns; their sweeps go on without them. */
    void drop(List<RunSlot> gone) {
        Set<String> affected = new LinkedHashSet<>();
        for (RunSlot slot : gone) {
            if (slot.sweep == null) continue;
            members.remove(slot.detector.run());
            affected.add(slot.sweep);
        }
        for (String sweep : affected) {
            LiveSweep current = sweeps.get(sweep);
            Map<String, double[]> states = new LinkedHashMap<>();
            for (String run : current.runs()) if (members.containsKey(run)) states.put(run, current.state(run));
            if (states.isEmpty()) sweeps.remove(sweep);
            else sweeps.put(sweep, LiveSweep.restore(policy, states));
        }
    }
}
