package io.grokwatch.bridge;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Job;
import io.grokwatch.events.Phase;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.Transition;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the bridge knows about every sweep: its runs, each run's state and final class, the grid axes.
 *
 * <p>Built from jobs, run_started, run_finished, transitions and CANCEL commands read in any order
 * across topics (a run's transitions may arrive before its job says which sweep it is in), so every
 * field is a fact that only accumulates and every count is derived from the facts when asked.
 *
 * <p>Not thread-safe on purpose: only the sweep reader's thread touches it.
 */
final class SweepTable {
    /**
     * How many runs of no known sweep the table keeps evidence for, waiting for a job or run_started
     * that names their sweep. Bounded because most runs outside sweeps never get one.
     */
    static final int UNPLACED_RUNS = 10_000;

    /** Where a run of a sweep stands. */
    enum State {
        /** Its job was published and no run_started was seen. */
        QUEUED,
        /** run_started seen, run_finished not. */
        RUNNING,
        /** run_finished seen. */
        FINISHED,
        /** Queued when its sweep was cancelled: no worker will start it. */
        CANCELLED;

        /** The {@code state} label value. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One run of a sweep, as exported.
     *
     * @param x the value of the sweep's first axis at this run's point, as text; "" when unknown
     * @param y the value of the second axis; "" when the grid has one axis and no seeds
     * @param finalClass the class from the analyzer's transitions; meaningful once {@code state} is FINISHED
     */
    record SweepRun(String run, String x, String y, State state, FinalClass finalClass) {}

    /**
     * One sweep, as exported.
     *
     * @param xAxis name of the grid's first axis ("" while no point was seen)
     * @param yAxis name of the second axis ("" when there is none)
     * @param runs every run of the sweep, in the order they were first seen
     */
    record SweepView(String sweep, String xAxis, String yAxis, boolean cancelled, List<SweepRun> runs) {
        /** Runs per state; every state present, 0 when none. */
        Map<State, Integer> countByState() {
            Map<State, Integer> counts = new EnumMap<>(State.class);
            for (State s : State.values()) counts.put(s, 0);
            for (SweepRun r : runs) counts.merge(r.state(), 1, Integer::sum);
            return counts;
        }

        /** Finished runs per final class; every class present, 0 when none. */
        Map<FinalClass, Integer> finishedByClass() {
            Map<FinalClass, Integer> counts = new EnumMap<>(FinalClass.class);
            for (FinalClass c : FinalClass.values()) counts.put(c, 0);
            for (SweepRun r : runs) {
                if (r.state() == State.FINISHED) counts.merge(r.finalClass(), 1, Integer::sum);
            }
            return counts;
        }
    }

    /** Facts about one run; mutable, but never leaves this class. */
    private static final class Facts {
        String sweep;
        Map<String, Object> point = Map.of();
        boolean queued;
        boolean started;
        boolean finished;
        boolean memorized;
        /** GROKKED or COMPREHENDED, whichever the run entered first: that step is t_val. */
        Phase generalized;
    }

    private static final class Sweep {
        final Set<String> runs = new LinkedHashSet<>();
        List<String> axes = List.of();
        /** True once the axes come from a job: a run_started's point lost the grid's order on the wire. */
        boolean axesFromJob;

        boolean cancelled;
    }

    private final Map<String, Facts> placed = new HashMap<>();
    private final Map<String, Facts> unplaced = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Facts> eldest) {
            return size() > UNPLACED_RUNS;
        }
    };
    private final Map<String, Sweep> sweeps = new LinkedHashMap<>();

    /**
     * Applies one record. Returns the id of the sweep whose view changed, or null when none did
     * (records of runs outside sweeps, commands other than CANCEL, step records and the like).
     */
    String apply(Event event) {
        if (event instanceof ControlCommand c) {
            if (c.command() != ControlCommand.Command.CANCEL) return null;
            sweep(c.run()).cancelled = true;
            return c.run();
        }
        Facts facts = facts(event.run());
        if (event instanceof Job job) {
            facts.queued = true;
            place(job.run(), facts, job.sweep(), job.point(), true);
        } else if (event instanceof RunStarted started) {
            facts.started = true;
            if (started.config().get("sweep") instanceof String sweep) {
                place(started.run(), facts, sweep, pointOf(started.config().get("point")), false);
            }
        } else if (event instanceof RunFinished) {
            facts.finished = true;
        } else if (event instanceof Transition t) {
            if (t.to() == Phase.MEMORIZED) facts.memorized = true;
            if ((t.to() == Phase.GROKKED || t.to() == Phase.COMPREHENDED) && facts.generalized == null) {
                facts.generalized = t.to();
            }
        } else {
            return null;
        }
        return facts.sweep;
    }

    /** The current view of one sweep, or null for an unknown id. */
    SweepView view(String sweepId) {
        Sweep s = sweeps.get(sweepId);
        if (s == null) return null;
        List<SweepRun> runs = new ArrayList<>(s.runs.size());
        for (String run : s.runs) {
            Facts f = placed.get(run);
            runs.add(new SweepRun(
                    run, coordinate(f.point, s.axes, 0), coordinate(f.point, s.axes, 1), state(f, s), finalClass(f)));
        }
        return new SweepView(sweepId, axisName(s.axes, 0), axisName(s.axes, 1), s.cancelled, List.copyOf(runs));
    }

    /** Ids of every sweep seen, in the order first seen. */
    Collection<String> sweepIds() {
        return List.copyOf(sweeps.keySet());
    }

    /**
     * The class after Liu et al. 2022, read off the analyzer's transitions: the analyzer enters
     * GROKKED or COMPREHENDED at t_val and picks between them with its grokking gap, and enters
     * MEMORIZED at t_train, so this is its own {@code RunSummary.classify} without a second copy of
     * the gap setting. A run that reached validation then regressed keeps its class, as there.
     */
    static FinalClass finalClass(Phase generalized, boolean memorized) {
        if (generalized == Phase.GROKKED) return FinalClass.GROKKING;
        if (generalized == Phase.COMPREHENDED) return FinalClass.COMPREHENSION;
        return memorized ? FinalClass.MEMORIZATION : FinalClass.CONFUSION;
    }

    /**
     * A grid value as a label: numbers without a trailing ".0" or exponent ({@code 1.0} and {@code 1}
     * are one cell, {@code 1e-4} reads 0.0001), everything else as its text.
     */
    static String label(Object value) {
        if (value == null) return "";
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) return Double.toString(d);
            return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        }
        if (value instanceof Number n) return new BigDecimal(n.toString()).toPlainString();
        return String.valueOf(value);
    }

    /**
     * The grid's axes for the phase diagram: the point's settings in grid order without "seed" (in
     * key order for a sweep known only from run_started, whose config map is written sorted); when
     * that leaves fewer than two, "seed" is the next axis (a one-axis grid over seeds is a 2-D plot).
     */
    static List<String> axesOf(Map<String, Object> point) {
        List<String> axes = new ArrayList<>();
        for (String name : point.keySet()) if (!"seed".equals(name)) axes.add(name);
        if (axes.size() < 2 && point.containsKey("seed")) axes.add("seed");
        return List.copyOf(axes.subList(0, Math.min(2, axes.size())));
    }

    private static FinalClass finalClass(Facts f) {
        return finalClass(f.generalized, f.memorized);
    }

    private static State state(Facts f, Sweep s) {
        if (f.finished) return State.FINISHED;
        if (f.started) return State.RUNNING;
        return s.cancelled ? State.CANCELLED : State.QUEUED;
    }

    private static String coordinate(Map<String, Object> point, List<String> axes, int i) {
        return i < axes.size() ? label(point.get(axes.get(i))) : "";
    }

    private static String axisName(List<String> axes, int i) {
        return i < axes.size() ? axes.get(i) : "";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pointOf(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private Facts facts(String run) {
        Facts f = placed.get(run);
        if (f != null) return f;
        return unplaced.computeIfAbsent(run, r -> new Facts());
    }

    /** Puts a run into its sweep; a job for "" (no sweep) leaves it unplaced. */
    private void place(String run, Facts facts, String sweepId, Map<String, Object> point, boolean fromJob) {
        if (sweepId == null || sweepId.isEmpty()) return;
        if (facts.sweep == null) {
            facts.sweep = sweepId;
            unplaced.remove(run);
            placed.put(run, facts);
        }
        if (facts.point.isEmpty() && !point.isEmpty()) facts.point = point;
        Sweep s = sweep(facts.sweep);
        s.runs.add(run);
        if (!point.isEmpty() && (s.axes.isEmpty() || (fromJob && !s.axesFromJob))) {
            s.axes = axesOf(point);
            s.axesFromJob = fromJob;
        }
    }

    private Sweep sweep(String id) {
        return sweeps.computeIfAbsent(id, k -> new Sweep());
    }
}
