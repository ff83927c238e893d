package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Recorded runs replayed through policies, offline: each run's steps go through the same {@link RunDetector} the
 * live analyzer uses, and every policy sees, at each evaluation, the record and the detector's summary after it.
 * Per-run policies decide each run alone; across-run ones see all runs together, in step order. Nothing is
 * retrained, so what happens after a stop is known: that is what the outcome measures.
 *
 * <pre>{@code
 * List<PolicyResult> results = PolicyReplay.replay(runs, List.of(ReplayPolicy.parse("budget:5000")), config);
 * }</pre>
 *
 * <p>A run's records are taken in step order; a repeated step keeps its first record (as the detector does).
 */
public final class PolicyReplay {
    private PolicyReplay() {}

    /**
     * One recorded run.
     *
     * @param name unique among the replayed runs (a run id, or a file and run id when ids repeat)
     * @param steps its step records, all of one run id
     * @param budget its configured step budget, or null when unknown (then its last recorded step stands in)
     */
    public record RecordedRun(String name, List<StepRecord> steps, Long budget) {

        public RecordedRun(String name, List<StepRecord> steps) {
            this(name, steps, null);
        }

        public RecordedRun {
            if (steps.isEmpty()) throw new IllegalArgumentException("run '" + name + "' has no step records");
            String id = steps.get(0).run();
            for (StepRecord s : steps)
                if (!s.run().equals(id))
                    throw new IllegalArgumentException("run '" + name + "' mixes run ids " + id + " and " + s.run());
            steps = List.copyOf(steps);
        }
    }

    /**
     * What one policy did to one run.
     *
     * @param stop the stop, or null when the policy let the run go to its end
     * @param firstStep the run's first recorded step
     * @param lastStep its last recorded step: where it ended without a policy
     * @param tVal the detector's t_val over the whole run, or null when it never reached it
     * @param finalClass the detector's class over the whole run
     * @param valAccAtStop raw val accuracy at the stop (at the end when not stopped)
     * @param valAccAtRestore raw val accuracy at the stop's restore step, or at the stop when it has none
     * @param valAccAtEnd raw val accuracy at the last recorded step
     * @param bestValAcc the run's highest raw val accuracy: what the oracle stopping at the best step gets
     * @param bestStep the first step with that accuracy
     */
    public record RunOutcome(
            String run,
            Stop stop,
            long firstStep,
            long lastStep,
            Long tVal,
            FinalClass finalClass,
            double valAccAtStop,
            double valAccAtRestore,
            double valAccAtEnd,
            double bestValAcc,
            long bestStep) {

        public boolean stopped() {
            return stop != null;
        }

        /** The step the run ends at under the policy. */
        public long endStep() {
            return stop == null ? lastStep : stop.step();
        }

        /** Stopped before the detector's t_val over the whole run: the policy killed a run that would generalize. */
        public boolean killedGrokker() {
            return stop != null && tVal != null && stop.step() < tVal;
        }

        /** Stopped, and the whole run never reached t_val: a stop that cost nothing. */
        public boolean stoppedNonGrokker() {
            return stop != null && tVal == null;
        }

        /** Steps the whole run trained. */
        public long stepsRun() {
            return lastStep - firstStep;
        }

        public long stepsSaved() {
            return lastStep - endStep();
        }

        /** Best val accuracy of the run minus val accuracy where the policy left it. */
        public double regret() {
            return bestValAcc - valAccAtStop;
        }

        /** The regret when the policy's restore-best rolls back to its best step. */
        public double regretRestored() {
            return bestValAcc - valAccAtRestore;
        }
    }

    /** One policy over all runs, outcomes in the runs' order, and the table's figures. */
    public record PolicyResult(String policy, List<RunOutcome> runs) {
        public PolicyResult {
            runs = List.copyOf(runs);
        }

        public long stopped() {
            return runs.stream().filter(RunOutcome::stopped).count();
        }

        public long killedGrokkers() {
            return runs.stream().filter(RunOutcome::killedGrokker).count();
        }

        public long stoppedNonGrokkers() {
            return runs.stream().filter(RunOutcome::stoppedNonGrokker).count();
        }

        public long nonGrokkers() {
            return runs.stream().filter(o -> o.tVal() == null).count();
        }

        public long stepsRun() {
            return runs.stream().mapToLong(RunOutcome::stepsRun).sum();
        }

        public long stepsSaved() {
            return runs.stream().mapToLong(RunOutcome::stepsSaved).sum();
        }

        /** Steps saved as a share of all steps run, in per cent (0 when no steps ran). */
        public double stepsSavedPercent() {
            return percent(stepsSaved(), stepsRun());
        }

        /** Steps saved on runs that never reach t_val, as a share of the steps those runs ran, in per cent. */
        public double stepsSavedOnNonGrokkersPercent() {
            long run = 0, saved = 0;
            for (RunOutcome o : runs) {
                if (o.tVal() != null) continue;
                run += o.stepsRun();
                saved += o.stepsSaved();
            }
            return percent(saved, run);
        }

        public double meanValAccAtStop() {
            return runs.stream().mapToDouble(RunOutcome::valAccAtStop).average().orElse(Double.NaN);
        }

        public double meanValAccAtEnd() {
            return runs.stream().mapToDouble(RunOutcome::valAccAtEnd).average().orElse(Double.NaN);
        }

        /** Mean over runs of (best val accuracy minus val accuracy at the stop). */
        public double meanRegret() {
            return runs.stream().mapToDouble(RunOutcome::regret).average().orElse(Double.NaN);
        }

        /** The same with restore-best where the policy reports a best step. */
        public double meanRegretRestored() {
            return runs.stream()
                    .mapToDouble(RunOutcome::regretRestored)
                    .average()
                    .orElse(Double.NaN);
        }

        private static double percent(long part, long whole) {
            return whole == 0 ? 0 : 100.0 * part / whole;
        }
    }

    /** Every policy over every run; results in the policies' order. */
    public static List<PolicyResult> replay(
            List<RecordedRun> runs, List<? extends ReplayPolicy> policies, DetectorConfig config) {
        Set<String> names = new HashSet<>();
        for (RecordedRun r : runs)
            if (!names.add(r.name())) throw new IllegalArgumentException("two runs are named '" + r.name() + "'");
        List<Detected> detected = runs.stream().map(r -> detect(r, config)).toList();
        TreeMap<Long, List<Observation>> byStep = new TreeMap<>();
        for (Detected d : detected) {
            for (Observation o : d.observations)
                byStep.computeIfAbsent(o.step().step(), s -> new ArrayList<>()).add(o);
        }
        List<PolicyResult> results = new ArrayList<>();
        for (ReplayPolicy p : policies) {
            ReplayPolicy.Replay replay = p.start();
            Map<String, Stop> stops = new HashMap<>();
            for (Map.Entry<Long, List<Observation>> e : byStep.entrySet()) {
                List<Observation> going = e.getValue().stream()
                        .filter(o -> !stops.containsKey(o.run()))
                        .toList();
                if (going.isEmpty()) continue;
                replay.observe(e.getKey(), going).forEach(stops::putIfAbsent);
            }
            List<RunOutcome> outcomes = new ArrayList<>();
            for (Detected d : detected) outcomes.add(d.outcome(stops.get(d.name)));
            results.add(new PolicyResult(p.spec(), outcomes));
        }
        return results;
    }

    /** A run through the detector: the summary after each evaluation and over the whole run. */
    private static Detected detect(RecordedRun run, DetectorConfig config) {
        TreeMap<Long, StepRecord> inOrder = new TreeMap<>();
        for (StepRecord s : run.steps()) inOrder.putIfAbsent(s.step(), s);
        RunDetector detector = new RunDetector(run.steps().get(0).run(), config);
        List<Observation> observations = new ArrayList<>(inOrder.size());
        long budget = run.budget() != null ? run.budget() : Math.max(1, inOrder.lastKey());
        for (StepRecord s : inOrder.values()) {
            detector.accept(s, s.time() == null ? 0 : s.time());
            observations.add(new Observation(run.name(), s, detector.summary(), budget));
        }
        StepRecord last = observations.get(observations.size() - 1).step();
        detector.finish(last.time() == null ? 0 : last.time());
        return new Detected(run.name(), observations, detector.summary(), new LinkedHashMap<>(inOrder));
    }

    private record Detected(
            String name, List<Observation> observations, RunSummary whole, Map<Long, StepRecord> steps) {

        RunOutcome outcome(Stop stop) {
            List<StepRecord> s = List.copyOf(steps.values());
            StepRecord first = s.get(0);
            StepRecord last = s.get(s.size() - 1);
            StepRecord best = s.stream()
                    .max(Comparator.comparingDouble(StepRecord::valAcc)
                            .thenComparing(
                                    Comparator.comparingLong(StepRecord::step).reversed()))
                    .orElseThrow();
            double atStop =
                    stop == null ? last.valAcc() : steps.get(stop.step()).valAcc();
            double atRestore = stop == null || stop.restoreStep() == null
                    ? atStop
                    : steps.get(stop.restoreStep()).valAcc();
            return new RunOutcome(
                    name,
                    stop,
                    first.step(),
                    last.step(),
                    whole.tVal(),
                    whole.finalClass(),
                    atStop,
                    atRestore,
                    last.valAcc(),
                    best.valAcc(),
                    best.step());
        }
    }
}
