package io.grokwatch.cli.report.sweep;

import io.grokwatch.cli.report.RunRecords;
import io.grokwatch.events.Event;
import io.grokwatch.events.Job;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything recorded about one sweep: the records of each of its runs (a run belongs to the sweep when its
 * run_started config says {@code "sweep": ID}), and the sweep's jobs, which name runs that have not started.
 *
 * @param runs the runs that published a run_started record, by run id
 * @param jobs the sweep's jobs from grokwatch.jobs, by run id (empty when that topic was not read)
 */
public record SweepRecords(String sweep, Map<String, RunRecords> runs, Map<String, Job> jobs) {

    /** The run_started config key that names a run's sweep (the worker's contract). */
    public static final String SWEEP_KEY = "sweep";
    /** The run_started config key that holds a run's grid point. */
    public static final String POINT_KEY = "point";

    public SweepRecords {
        if (sweep == null || sweep.isEmpty())
            throw new IllegalArgumentException("sweep must be a non-empty sweep id, got '" + sweep + "'");
        Map<String, RunRecords> r = new TreeMap<>(BY_INDEX);
        r.putAll(runs);
        runs = Collections.unmodifiableMap(r);
        Map<String, Job> j = new TreeMap<>(BY_INDEX);
        j.putAll(jobs);
        jobs = Collections.unmodifiableMap(j);
    }

    /**
     * Run ids in index order: {@code SWEEP-NNN} by the number after the last '-' (so -1000 follows -999), then by
     * text.
     */
    public static final Comparator<String> BY_INDEX = Comparator.comparing(
                    (String id) -> id.substring(0, id.lastIndexOf('-') + 1))
            .thenComparing(SweepRecords::index)
            .thenComparing(Comparator.naturalOrder());

    /** Every run id of the sweep, started or only queued, in index order. */
    public Set<String> runIds() {
        Set<String> ids = new TreeSet<>(BY_INDEX);
        ids.addAll(runs.keySet());
        ids.addAll(jobs.keySet());
        return ids;
    }

    private static BigInteger index(String id) {
        String tail = id.substring(id.lastIndexOf('-') + 1);
        return !tail.isEmpty() && tail.chars().allMatch(Character::isDigit)
                ? new BigInteger(tail)
                : BigInteger.valueOf(-1);
    }

    /**
     * Sorts records into a sweep's membership first (run_started, run_finished, jobs), then its data (steps and
     * snapshots of member runs only), so a reader can skip the data of every other run. Not thread-safe.
     */
    public static final class Collector {
        private final String sweep;
        private final Map<String, RunRecords.Collector> members = new LinkedHashMap<>();
        private final Map<String, Job> jobs = new LinkedHashMap<>();
        private final Map<String, Event> finished = new LinkedHashMap<>();
        private final Set<String> sweepsSeen = new TreeSet<>();

        public Collector(String sweep) {
            if (sweep == null || sweep.isEmpty())
                throw new IllegalArgumentException("sweep must be a non-empty sweep id, got '" + sweep + "'");
            this.sweep = sweep;
        }

        /** A record from grokwatch.runs or grokwatch.jobs; others are ignored. */
        public void addMembership(Event e) {
            if (e instanceof RunStarted s) {
                String id = s.sweep();
                if (id != null) sweepsSeen.add(id);
                if (sweep.equals(id))
                    members.computeIfAbsent(s.run(), RunRecords::collector).add(s);
            } else if (e instanceof Job j) {
                if (!j.sweep().isEmpty()) sweepsSeen.add(j.sweep());
                if (sweep.equals(j.sweep())) jobs.put(j.run(), j);
            } else if (e instanceof RunFinished) {
                // run_finished follows run_started on the run's partition, but keep it regardless of order
                finished.put(e.run(), e);
            }
        }

        /** Whether the run belongs to the sweep as far as the membership records read so far tell. */
        public boolean isMember(String run) {
            return members.containsKey(run) || jobs.containsKey(run);
        }

        /** A step record or snapshot; kept only when its run is a member. */
        public void addData(Event e) {
            RunRecords.Collector c = members.get(e.run());
            if (c == null && jobs.containsKey(e.run())) c = members.computeIfAbsent(e.run(), RunRecords::collector);
            if (c != null) c.add(e);
        }

        /** Whether any run_started or job of the sweep was seen. */
        public boolean found() {
            return !members.isEmpty() || !jobs.isEmpty();
        }

        /** The ids of every sweep seen in the membership records, sorted. */
        public List<String> sweepsSeen() {
            return new ArrayList<>(sweepsSeen);
        }

        /** The run ids of the sweep seen so far. */
        public Set<String> memberIds() {
            Set<String> ids = new TreeSet<>(members.keySet());
            ids.addAll(jobs.keySet());
            return ids;
        }

        public SweepRecords build() {
            Map<String, RunRecords> runs = new LinkedHashMap<>();
            members.forEach((run, c) -> {
                Event f = finished.get(run);
                if (f != null) c.add(f);
                runs.put(run, c.build());
            });
            return new SweepRecords(sweep, runs, jobs);
        }
    }
}
