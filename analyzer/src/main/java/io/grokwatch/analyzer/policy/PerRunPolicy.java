package io.grokwatch.analyzer.policy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A policy that decides each run on its own history alone; replayed with one {@link RunStopper} per run. */
public interface PerRunPolicy extends ReplayPolicy {

    /** Fresh state for one run. */
    RunStopper newRun();

    /** Fresh state for one run with the given step budget; only policies that weigh the budget override it. */
    default RunStopper newRun(long budget) {
        return newRun();
    }

    /**
     * A stopper with a {@link RunStopper#state()} written by a stopper of this policy; a policy without state
     * makes a fresh one. Errors name the policy.
     */
    default RunStopper restore(double[] state) {
        return newRun();
    }

    @Override
    default Replay start() {
        Map<String, RunStopper> runs = new HashMap<>();
        return (step, evaluations) -> {
            Map<String, Stop> stops = new LinkedHashMap<>();
            for (Observation o : evaluations) {
                runs.computeIfAbsent(o.run(), r -> newRun(o.budget()))
                        .observe(o.summary(), o.step())
                        .ifPresent(s -> stops.put(o.run(), s));
            }
            return stops;
        };
    }

    /** Replays one run's evaluations through a fresh stopper: the first stop, if any. */
    default Optional<Stop> firstStop(List<Observation> run) {
        RunStopper s = run.isEmpty() ? newRun() : newRun(run.get(0).budget());
        for (Observation o : run) {
            Optional<Stop> stop = s.observe(o.summary(), o.step());
            if (stop.isPresent()) return stop;
        }
        return Optional.empty();
    }
}
