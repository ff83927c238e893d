package io.grokwatch.cli.report;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything recorded about one run that a report draws from: its start and finish records,
 * its step records and its embedding snapshots, each sorted by step with duplicates dropped.
 *
 * @param started the run_started record, or null when the source did not hold it
 * @param finished the run_finished record, or null while the run is going (or unknown)
 */
public record RunRecords(
        String run,
        RunStarted started,
        List<StepRecord> steps,
        List<EmbeddingSnapshot> snapshots,
        RunFinished finished) {

    public RunRecords {
        if (run == null || run.isEmpty())
            throw new IllegalArgumentException("run must be a non-empty id, got '" + run + "'");
        steps = List.copyOf(steps);
        snapshots = List.copyOf(snapshots);
    }

    /** Starts collecting the records of one run; records of other runs are ignored. */
    public static Collector collector(String run) {
        return new Collector(run);
    }

    /** Accumulates one run's records in any order; the last copy of a step wins (a replay). */
    public static final class Collector {
        private final String run;
        private RunStarted started;
        private RunFinished finished;
        private final Map<Long, StepRecord> steps = new TreeMap<>();
        private final Map<Long, EmbeddingSnapshot> snapshots = new TreeMap<>();

        private Collector(String run) {
            this.run = run;
        }

        /** Adds a record; returns false when it belongs to another run or is not drawn in a report. */
        public boolean add(Event e) {
            if (!run.equals(e.run())) return false;
            if (e instanceof StepRecord s) {
                steps.put(s.step(), s);
            } else if (e instanceof EmbeddingSnapshot s) {
                snapshots.put(s.step(), s);
            } else if (e instanceof RunStarted s) {
                started = s;
            } else if (e instanceof RunFinished f) {
                finished = f;
            } else {
                // Transitions, alerts and structure analyses are recomputed from the steps and snapshots.
                return false;
            }
            return true;
        }

        /** Number of step records so far. */
        public int stepCount() {
            return steps.size();
        }

        public RunRecords build() {
            List<StepRecord> s = new ArrayList<>(steps.values());
            s.sort(Comparator.comparingLong(StepRecord::step));
            return new RunRecords(run, started, s, new ArrayList<>(snapshots.values()), finished);
        }
    }
}
