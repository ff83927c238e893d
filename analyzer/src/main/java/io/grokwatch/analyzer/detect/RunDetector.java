package io.grokwatch.analyzer.detect;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Event;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Detector for one run; pure and deterministic: the same step sequence gives the same output.
 *
 * <pre>{@code
 * RunDetector d = new RunDetector("run-1", DetectorConfig.defaults());
 * for (StepRecord s : steps) publish(d.accept(s, System.currentTimeMillis()));
 * publish(d.finish(System.currentTimeMillis())); // when the run ends: smooths the last evaluations
 * RunSummary summary = d.summary();
 * }</pre>
 *
 * <p>Records flow through three named steps:
 * <ol>
 *   <li><b>reorder</b>: a record is held in a buffer keyed by step until more than
 *       {@code reorderWindow} records wait, then the lowest step is committed. A record whose step is
 *       at or below the last committed step is dropped and counted: a resumed trainer's re-sent steps
 *       and records later than the window change nothing (idempotent). A duplicate of a buffered
 *       step keeps the first copy.
 *   <li><b>smooth</b>: each committed evaluation gets the median of train accuracy, validation
 *       accuracy and train loss over {@code smoothingWindow} committed evaluations centred on it,
 *       once the evaluations after it have been committed. Non-finite losses skip this step.
 *   <li><b>classify</b>: the smoothed point drives the phase machine of analyzer/DETECTOR.md ("Classify") and the
 *       alerts. A transition's {@code step} is the smoothed point's step (where it happened); its
 *       {@code detectedStep} is the newest step in the window that confirmed it, so both depend only
 *       on the committed sequence, never on arrival order; {@code detectedTime} is the caller's clock.
 * </ol>
 *
 * <p>Alerts fire once per run and kind unless re-armed: REGRESSED re-arms GROKKED and
 * COMPREHENDED, a return to GROKKED/COMPREHENDED re-arms REGRESSED, a fall from GENERALIZING back
 * to MEMORIZED re-arms VAL_ACC_JUMP, and progress re-arms STALLED. DIVERGED is terminal: later
 * records are ignored. Not thread-safe: one detector per run, fed by one thread at a time.
 */
public final class RunDetector {

    private final String run;
    private final DetectorConfig config;

    private Phase phase = Phase.FITTING;
    private Phase generalizedPhase;
    private Long tTrain;
    private Long tVal;
    private final List<StepRecord> pending = new ArrayList<>();
    private final List<StepRecord> lookback = new ArrayList<>();
    private final List<StepRecord> lookahead = new ArrayList<>();
    private long lastCommittedStep = -1;
    private long lastStep = -1;
    private double plateauVal = Double.NaN;
    private double minTrainLoss = Double.POSITIVE_INFINITY;
    private long lastProgressStep = -1;
    private double bestTrainAcc = Double.NaN;
    private double bestValAcc = Double.NaN;
    private double bestTrainLoss = Double.NaN;
    private final Set<AlertKind> fired = EnumSet.noneOf(AlertKind.class);
    private final List<Transition> transitions = new ArrayList<>();
    private final List<Alert> alerts = new ArrayList<>();
    private long dropped;
    private long structureStep = -1;
    private double structureShare = Double.NaN;
    private double structureRqi = Double.NaN;
    private double[] scratch = new double[8]; // median buffer, not state

    public RunDetector(String run, DetectorConfig config) {
        if (run == null || run.isBlank())
            throw new IllegalArgumentException("run must be a non-empty string, got '" + run + "'");
        if (config == null) throw new IllegalArgumentException("config is required");
        this.run = run;
        this.config = config;
    }

    /** A detector that continues exactly where the one that produced {@code state} stopped. */
    public static RunDetector restore(DetectorState state, DetectorConfig config) {
        RunDetector d = new RunDetector(state.run(), config);
        d.phase = state.phase();
        d.generalizedPhase = state.generalizedPhase();
        d.tTrain = state.tTrain();
        d.tVal = state.tVal();
        d.pending.addAll(state.pending());
        d.lookback.addAll(state.lookback());
        d.lookahead.addAll(state.lookahead());
        d.lastCommittedStep = state.lastCommittedStep();
        d.lastStep = state.lastStep();
        d.plateauVal = state.plateauVal();
        d.minTrainLoss = state.minTrainLoss();
        d.lastProgressStep = state.lastProgressStep();
        d.bestTrainAcc = state.bestTrainAcc();
        d.bestValAcc = state.bestValAcc();
        d.bestTrainLoss = state.bestTrainLoss();
        d.fired.addAll(state.fired());
        d.transitions.addAll(state.transitions());
        d.alerts.addAll(state.alerts());
        d.dropped = state.dropped();
        d.structureStep = state.structureStep();
        d.structureShare = state.structureShare();
        d.structureRqi = state.structureRqi();
        return d;
    }

    /**
     * Feeds one step record; returns the Transition/Alert events it causes (often empty).
     * nowMillis is only used for detectedTime. Duplicates (same step already seen) and
     * out-of-order records are handled idempotently (see the class comment).
     *
     * @throws IllegalArgumentException when the record belongs to another run
     */
    public List<Event> accept(StepRecord step, long nowMillis) {
        if (!run.equals(step.run())) {
            throw new IllegalArgumentException(
                    "record of run '" + step.run() + "' fed to the detector of run '" + run + "'");
        }
        if (phase == Phase.DIVERGED) return List.of();
        lastStep = Math.max(lastStep, step.step());
        if (!buffer(step)) return List.of();
        List<Event> out = new ArrayList<>();
        while (pending.size() > config.reorderWindow() && phase != Phase.DIVERGED) {
            commit(pending.remove(0), nowMillis, out);
        }
        return out;
    }

    /**
     * Feeds a structure analysis. Kept as a leading indicator in the state; it emits no events
     * (the phases are defined on accuracies only, so replays without snapshots classify the same).
     */
    public List<Event> accept(StructureAnalysis s, long nowMillis) {
        if (!run.equals(s.run())) {
            throw new IllegalArgumentException(
                    "structure analysis of run '" + s.run() + "' fed to the detector of run '" + run + "'");
        }
        if (s.step() >= structureStep) {
            structureStep = s.step();
            structureShare = s.fourierTopKShare();
            structureRqi = s.rqi();
        }
        return List.of();
    }

    /**
     * Ends the run: commits the reorder buffer and smooths the last evaluations with the part of
     * their window that exists. Call it when the run has finished (or at the end of a file); records
     * accepted afterwards are processed as usual.
     */
    public List<Event> finish(long nowMillis) {
        List<Event> out = new ArrayList<>();
        while (!pending.isEmpty() && phase != Phase.DIVERGED) commit(pending.remove(0), nowMillis, out);
        while (!lookahead.isEmpty() && phase != Phase.DIVERGED) smoothNext(nowMillis, out);
        return out;
    }

    public Phase phase() {
        return phase;
    }

    public String run() {
        return run;
    }

    /** The highest step accepted so far, -1 before the first. */
    public long lastStep() {
        return lastStep;
    }

    /** Records dropped as duplicates or as later than the reorder window. */
    public long dropped() {
        return dropped;
    }

    /** Final class, tTrain, tVal, transitions and alerts so far. */
    public RunSummary summary() {
        Long delay = tTrain != null && tVal != null ? tVal - tTrain : null;
        return new RunSummary(
                run,
                RunSummary.classify(tTrain, tVal, config.grokGapSteps()),
                tTrain,
                tVal,
                delay,
                transitions,
                alerts,
                lastStep,
                phase);
    }

    /** An immutable copy of everything needed to resume (see {@link #restore}). */
    public DetectorState state() {
        return new DetectorState(
                run,
                phase,
                generalizedPhase,
                tTrain,
                tVal,
                pending,
                lookback,
                lookahead,
                lastCommittedStep,
                lastStep,
                plateauVal,
                minTrainLoss,
                lastProgressStep,
                bestTrainAcc,
                bestValAcc,
                bestTrainLoss,
                List.copyOf(fired),
                transitions,
                alerts,
                dropped,
                structureStep,
                structureShare,
                structureRqi);
    }

    // ------------------------------------------------------------------ step 1: reorder

    /** Inserts into the reorder buffer in step order; false when the record is dropped. */
    private boolean buffer(StepRecord s) {
        if (s.step() <= lastCommittedStep) {
            dropped++;
            return false;
        }
        int i = 0;
        while (i < pending.size() && pending.get(i).step() < s.step()) i++;
        if (i < pending.size() && pending.get(i).step() == s.step()) {
            dropped++;
            return false;
        }
        pending.add(i, s);
        return true;
    }

    private void commit(StepRecord s, long now, List<Event> out) {
        lastCommittedStep = s.step();
        if (s.hasNonFiniteLoss()) {
            String which = !Double.isFinite(s.trainLoss()) ? "train loss " + s.trainLoss() : "val loss " + s.valLoss();
            enter(Phase.DIVERGED, s.step(), s, now, out, AlertKind.DIVERGED, which + " at step " + s.step());
            return;
        }
        lookahead.add(s);
        while (lookahead.size() > config.halfWindow() && phase != Phase.DIVERGED) smoothNext(now, out);
    }

    // ------------------------------------------------------------------ step 2: smooth

    /** Smooths the oldest waiting evaluation over lookback + itself + what follows it. */
    private void smoothNext(long now, List<Event> out) {
        int h = config.halfWindow();
        StepRecord centre = lookahead.get(0);
        int ahead = Math.min(lookahead.size(), h + 1);
        StepRecord newest = lookahead.get(ahead - 1);
        Point p = new Point(
                centre.step(),
                median(ahead, StepRecord::trainAcc),
                median(ahead, StepRecord::valAcc),
                median(ahead, StepRecord::trainLoss));
        lookahead.remove(0);
        lookback.add(centre);
        while (lookback.size() > h) lookback.remove(0);
        classify(p, newest, now, out);
    }

    /** Median of f over lookback and the first {@code ahead} waiting records; no allocation per call. */
    private double median(int ahead, ToDoubleFunction<StepRecord> f) {
        int n = lookback.size() + ahead;
        if (scratch.length < n) scratch = new double[n];
        double[] v = scratch;
        for (int i = 0; i < n; i++) {
            double x = f.applyAsDouble(i < lookback.size() ? lookback.get(i) : lookahead.get(i - lookback.size()));
            int j = i;
            for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1]; // insertion sort: windows are a few values
            v[j] = x;
        }
        int m = n / 2;
        return n % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** One smoothed evaluation. */
    private record Point(long step, double trainAcc, double valAcc, double trainLoss) {}

    // ------------------------------------------------------------------ step 3: classify

    private void classify(Point p, StepRecord evidence, long now, List<Event> out) {
        if (exploded(p)) {
            enter(
                    Phase.DIVERGED,
                    p.step(),
                    evidence,
                    now,
                    out,
                    AlertKind.DIVERGED,
                    String.format(
                            Locale.ROOT,
                            "train loss %.4g at step %d exploded (run minimum %.4g)",
                            p.trainLoss(),
                            p.step(),
                            minTrainLoss));
            return;
        }
        minTrainLoss = Math.min(minTrainLoss, p.trainLoss());
        if (tTrain == null && p.trainAcc() >= config.trainThreshold()) tTrain = p.step();
        if (tVal == null && p.valAcc() >= config.valThreshold()) tVal = p.step();
        boolean valReached = p.valAcc() >= config.valThreshold();
        switch (phase) {
            case FITTING -> {
                if (valReached) {
                    generalize(p, evidence, now, out);
                } else if (p.trainAcc() >= config.trainThreshold()) {
                    plateauVal = p.valAcc();
                    enter(
                            Phase.MEMORIZED,
                            p.step(),
                            evidence,
                            now,
                            out,
                            AlertKind.MEMORIZED,
                            String.format(
                                    Locale.ROOT,
                                    "train accuracy %.3f reached %.2f at step %d, val accuracy %.3f",
                                    p.trainAcc(),
                                    config.trainThreshold(),
                                    p.step(),
                                    p.valAcc()));
                }
            }
            case MEMORIZED -> {
                if (valReached) {
                    generalize(p, evidence, now, out);
                } else if (p.valAcc() >= plateauVal + config.jumpMinRise()) {
                    enter(
                            Phase.GENERALIZING,
                            p.step(),
                            evidence,
                            now,
                            out,
                            AlertKind.VAL_ACC_JUMP,
                            String.format(
                                    Locale.ROOT,
                                    "val accuracy rose from its memorized plateau %.3f to %.3f at step %d (threshold %.2f)",
                                    plateauVal,
                                    p.valAcc(),
                                    p.step(),
                                    config.valThreshold()));
                } else {
                    plateauVal = Math.min(plateauVal, p.valAcc());
                }
            }
            case GENERALIZING -> {
                if (valReached) {
                    generalize(p, evidence, now, out);
                } else if (p.valAcc() < plateauVal + config.jumpMinRise() / 2) {
                    fired.remove(AlertKind.VAL_ACC_JUMP);
                    plateauVal = Math.min(plateauVal, p.valAcc());
                    enter(Phase.MEMORIZED, p.step(), evidence, now, out, null, null);
                }
            }
            case GROKKED, COMPREHENDED -> {
                if (p.valAcc() < config.valThreshold() - config.regressionMargin()) {
                    fired.remove(AlertKind.GROKKED);
                    fired.remove(AlertKind.COMPREHENDED);
                    enter(
                            Phase.REGRESSED,
                            p.step(),
                            evidence,
                            now,
                            out,
                            AlertKind.REGRESSED,
                            String.format(
                                    Locale.ROOT,
                                    "val accuracy fell to %.3f at step %d after %s",
                                    p.valAcc(),
                                    p.step(),
                                    phase));
                }
            }
            case REGRESSED -> {
                if (valReached) {
                    fired.remove(AlertKind.REGRESSED);
                    enterGeneralized(generalizedPhase, p, evidence, now, out);
                }
            }
            case DIVERGED -> {}
        }
        checkStall(p, evidence, now, out);
    }

    private boolean exploded(Point p) {
        double limit = Math.min(
                config.divergenceLossCeiling(),
                config.divergenceFactor() * Math.max(minTrainLoss, config.divergenceLossFloor()));
        return p.trainLoss() > limit;
    }

    /** Validation reached its threshold: GROKKED after a long enough gap since t_train, else COMPREHENDED. */
    private void generalize(Point p, StepRecord evidence, long now, List<Event> out) {
        boolean grokked = tTrain != null && tVal != null && tVal - tTrain >= config.grokGapSteps();
        generalizedPhase = grokked ? Phase.GROKKED : Phase.COMPREHENDED;
        enterGeneralized(generalizedPhase, p, evidence, now, out);
    }

    private void enterGeneralized(Phase target, Point p, StepRecord evidence, long now, List<Event> out) {
        String gap = tTrain == null ? "train not yet at threshold" : "t_train " + tTrain + ", t_val " + tVal;
        AlertKind kind = target == Phase.GROKKED ? AlertKind.GROKKED : AlertKind.COMPREHENDED;
        enter(
                target,
                p.step(),
                evidence,
                now,
                out,
                kind,
                String.format(
                        Locale.ROOT,
                        "val accuracy %.3f reached %.2f at step %d (%s)",
                        p.valAcc(),
                        config.valThreshold(),
                        p.step(),
                        gap));
    }

    private void checkStall(Point p, StepRecord evidence, long now, List<Event> out) {
        boolean first = lastProgressStep < 0;
        boolean progress = first
                || p.trainAcc() >= bestTrainAcc + config.stallAccDelta()
                || p.valAcc() >= bestValAcc + config.stallAccDelta()
                || p.trainLoss() <= bestTrainLoss * (1 - config.stallLossRelDelta());
        if (progress) {
            lastProgressStep = p.step();
            bestTrainAcc = first ? p.trainAcc() : Math.max(bestTrainAcc, p.trainAcc());
            bestValAcc = first ? p.valAcc() : Math.max(bestValAcc, p.valAcc());
            bestTrainLoss = first ? p.trainLoss() : Math.min(bestTrainLoss, p.trainLoss());
            fired.remove(AlertKind.STALLED);
            return;
        }
        boolean watching = phase != Phase.GROKKED && phase != Phase.COMPREHENDED && phase != Phase.DIVERGED;
        if (watching && p.step() - lastProgressStep >= config.stallSteps()) {
            alert(
                    AlertKind.STALLED,
                    p.step(),
                    evidence,
                    now,
                    out,
                    String.format(
                            Locale.ROOT,
                            "no progress for %d steps (since step %d): train acc %.3f, val acc %.3f, train loss %.4g",
                            p.step() - lastProgressStep,
                            lastProgressStep,
                            p.trainAcc(),
                            p.valAcc(),
                            p.trainLoss()));
        }
    }

    // ------------------------------------------------------------------ emit

    private void enter(
            Phase to, long happened, StepRecord evidence, long now, List<Event> out, AlertKind kind, String message) {
        Transition t = new Transition(run, phase, to, happened, evidence.step(), Math.max(0, now));
        phase = to;
        transitions.add(t);
        out.add(t);
        if (kind != null) alert(kind, happened, evidence, now, out, message);
    }

    private void alert(AlertKind kind, long happened, StepRecord evidence, long now, List<Event> out, String message) {
        if (!fired.add(kind)) return;
        Alert a = new Alert(run, kind, happened, evidence.step(), Math.max(0, now), evidence.valAcc(), message);
        alerts.add(a);
        out.add(a);
    }
}
