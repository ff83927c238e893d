package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Hand-made step sequences for policy tests, and per-run replays without the detector. */
final class Seq {
    private Seq() {}

    /** Evaluations at the given steps with the given val losses; val acc 1 - loss/10, train fitted. */
    static List<StepRecord> valLoss(String run, long[] steps, double... losses) {
        List<StepRecord> out = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            double acc = Double.isFinite(losses[i]) ? Math.max(0, Math.min(1, 1 - losses[i] / 10)) : 0;
            out.add(StepRecord.of(run, steps[i], 0.01, 1, losses[i], acc));
        }
        return out;
    }

    /** Steps 0, every, 2*every, ... for n evaluations. */
    static long[] every(long every, int n) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = i * every;
        return s;
    }

    /** Evaluations every {@code every} steps with the given val accuracies (val loss 10 * (1 - acc)). */
    static List<StepRecord> valAcc(String run, long every, double... accs) {
        List<StepRecord> out = new ArrayList<>();
        for (int i = 0; i < accs.length; i++)
            out.add(StepRecord.of(run, i * every, 0.01, 1, 10 * (1 - accs[i]), accs[i]));
        return out;
    }

    /** A summary in the given phase; what a per-run policy sees from the detector. */
    static RunSummary inPhase(String run, Phase phase, long step) {
        return new RunSummary(run, FinalClass.MEMORIZATION, 0L, null, null, List.of(), List.of(), step, phase);
    }

    /** The first stop of a per-run policy over the steps, every summary in the given phase. */
    static Optional<Stop> firstStop(PerRunPolicy p, List<StepRecord> steps, Phase phase) {
        RunStopper s = p.newRun();
        for (StepRecord r : steps) {
            Optional<Stop> stop = s.observe(inPhase(r.run(), phase, r.step()), r);
            if (stop.isPresent()) return stop;
        }
        return Optional.empty();
    }

    /** The same with the run's step budget, for the policies that weigh it. */
    static Optional<Stop> firstStop(PerRunPolicy p, List<StepRecord> steps, Phase phase, long budget) {
        RunStopper s = p.newRun(budget);
        for (StepRecord r : steps) {
            Optional<Stop> stop = s.observe(inPhase(r.run(), phase, r.step()), r);
            if (stop.isPresent()) return stop;
        }
        return Optional.empty();
    }

    static Optional<Long> stopStep(String spec, List<StepRecord> steps) {
        return firstStop((PerRunPolicy) ReplayPolicy.parse(spec), steps, Phase.FITTING)
                .map(Stop::step);
    }
}
