package io.grokwatch.analyzer.policy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@link AcrossRunPolicy} run live over the runs of one sweep, deciding as a replay of the same runs does. Each
 * run's evaluations wait until every run of the sweep still going has reached their step (the frontier); then the
 * waiting evaluations go to the policy's {@link ReplayPolicy.Replay} one step at a time, in increasing step order,
 * all runs' evaluations at a step together: the replay's one step clock. A run leaves the frontier when it ends or is
 * stopped. A run first seen after the frontier has passed some of its steps joins from the frontier on (those
 * evaluations are not fed). Not thread-safe.
 *
 * <pre>{@code
 * LiveSweep sweep = new LiveSweep((AcrossRunPolicy) PolicySpecs.parse("median"));
 * sweep.observe(run, step);               // each run's evaluations, in its step order
 * sweep.release().forEach(this::sendStop); // after each batch
 * }</pre>
 */
public final class LiveSweep {
    private final AcrossRunPolicy policy;
    private final ReplayPolicy.Replay replay;
    /** By run id, so that evaluations at one step are fed in the same order after a restart. */
    private final Map<String, RunState> runs = new TreeMap<>();
    /** The last step fed to the replay, -1 before the first. */
    private long fedUpTo = -1;

    public LiveSweep(AcrossRunPolicy policy) {
        this.policy = policy;
        this.replay = policy.start();
    }

    /** One run's state: its waiting evaluations and what it has had, as (step, value) pairs for the changelog. */
    private static final class RunState {
        final Deque<long[]> waiting = new ArrayDeque<>(); // {step, Double.doubleToRawLongBits(value)}
        double[] history = new double[16];
        int historyLength;
        long lastStep = -1;
        boolean ended;
        boolean stopped;
        /** Stopped before a restore: out of the frontier at once, as it was, while its stop is made again. */
        boolean stoppedBefore;

        void remember(long step, double value) {
            if (historyLength + 2 > history.length) history = Arrays.copyOf(history, history.length * 2);
            history[historyLength++] = step;
            history[historyLength++] = value;
        }
    }

    public AcrossRunPolicy policy() {
        return policy;
    }

    /** A run joins the sweep before its first evaluation (it holds the frontier back from its first one on). */
    public void join(String run) {
        runs.computeIfAbsent(run, k -> new RunState());
    }

    /** A run's evaluation; a repeated or earlier step than the run's last is ignored, as in replay. */
    public void observe(String run, long step, double value) {
        RunState r = runs.computeIfAbsent(run, k -> new RunState());
        if (r.ended || r.stopped || r.stoppedBefore || step <= r.lastStep) return;
        r.lastStep = step;
        if (step <= fedUpTo) return; // joined late: the policy has moved past this step
        r.waiting.addLast(new long[] {step, Double.doubleToRawLongBits(value)});
        r.remember(step, value);
    }

    /** The run has ended (run_finished): it no longer holds the frontier back, and counts with what it had. */
    public void end(String run) {
        runs.computeIfAbsent(run, k -> new RunState()).ended = true;
    }

    /**
     * Feeds every waiting evaluation at or before the frontier to the policy; returns the runs it stops, by run id,
     * each once. A stopped run's later evaluations are not fed.
     */
    public Map<String, Stop> release() {
        return feed(frontier());
    }

    /** Feeds the waiting evaluations at or before {@code upTo}, in step order; the stops made. */
    private Map<String, Stop> feed(long upTo) {
        TreeMap<Long, List<Map.Entry<String, long[]>>> bySteps = new TreeMap<>();
        runs.forEach((run, r) -> {
            while (!r.waiting.isEmpty() && r.waiting.peekFirst()[0] <= upTo) {
                long[] e = r.waiting.removeFirst();
                bySteps.computeIfAbsent(e[0], s -> new ArrayList<>()).add(Map.entry(run, e));
            }
        });
        Map<String, Stop> stops = new LinkedHashMap<>();
        for (Map.Entry<Long, List<Map.Entry<String, long[]>>> at : bySteps.entrySet()) {
            List<Observation> evaluations = new ArrayList<>();
            for (Map.Entry<String, long[]> e : at.getValue()) {
                if (runs.get(e.getKey()).stopped) continue;
                double value = Double.longBitsToDouble(e.getValue()[1]);
                // the policy reads one metric and no summary (AcrossRunPolicy)
                evaluations.add(
                        new Observation(e.getKey(), policy.metric().record(e.getKey(), at.getKey(), value), null, 0));
            }
            replay.observe(at.getKey(), evaluations).forEach((run, stop) -> {
                RunState r = runs.get(run);
                if (r.stopped) return;
                r.stopped = true;
                r.waiting.clear();
                stops.put(run, stop);
            });
            fedUpTo = at.getKey();
        }
        return stops;
    }

    /** The last step every run still going has reached; Long.MAX_VALUE when none is going (all can be fed). */
    private long frontier() {
        long frontier = Long.MAX_VALUE;
        for (RunState r : runs.values()) {
            if (!r.ended && !r.stopped && !r.stoppedBefore && r.lastStep >= 0)
                frontier = Math.min(frontier, r.lastStep);
        }
        return frontier;
    }

    /** The runs this sweep holds, by run id. */
    public List<String> runs() {
        return List.copyOf(runs.keySet());
    }

    /**
     * One run's state as numbers, for the changelog: ended, stopped, its last step, the sweep's last step fed to the
     * policy, then the run's (step, value) pairs.
     */
    public double[] state(String run) {
        RunState r = runs.get(run);
        if (r == null) throw new IllegalArgumentException("run '" + run + "' is not in this sweep");
        double[] out = new double[HEADER + r.historyLength];
        out[0] = r.ended ? 1 : 0;
        out[1] = r.stopped ? 1 : 0;
        out[2] = r.lastStep;
        out[3] = fedUpTo;
        System.arraycopy(r.history, 0, out, HEADER, r.historyLength);
        return out;
    }

    private static final int HEADER = 4;

    /**
     * The sweep again from its runs' {@link #state}s: the stored evaluations up to the last step that was fed are fed
     * again, which gives the policy the state it had, since it decides on the same evaluations in the same order;
     * the stops it makes again are not returned (they were sent before). The rest waits for the next {@link
     * #release}. Errors name the run.
     */
    public static LiveSweep restore(AcrossRunPolicy policy, Map<String, double[]> states) {
        LiveSweep s = new LiveSweep(policy);
        long fed = -1;
        for (Map.Entry<String, double[]> e : states.entrySet()) {
            double[] state = e.getValue();
            if (state.length < HEADER || (state.length - HEADER) % 2 != 0)
                throw new IllegalArgumentException("policy " + policy.spec() + ": state of run '" + e.getKey()
                        + "' has " + state.length + " numbers; expected " + HEADER + " + 2 per evaluation");
            fed = Math.max(fed, (long) state[3]); // the newest write knows the most
        }
        states.forEach((run, state) -> {
            RunState r = new RunState();
            for (int i = HEADER; i < state.length; i += 2) {
                r.waiting.addLast(new long[] {(long) state[i], Double.doubleToRawLongBits(state[i + 1])});
                r.remember((long) state[i], state[i + 1]);
            }
            r.lastStep = (long) state[2];
            r.ended = state[0] != 0;
            r.stoppedBefore = state[1] != 0;
            s.runs.put(run, r);
        });
        s.feed(fed);
        for (RunState r : s.runs.values()) {
            if (r.stoppedBefore) {
                r.stopped = true;
                r.waiting.clear();
            }
        }
        return s;
    }
}
