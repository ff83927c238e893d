package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.FinalClass;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of a sweep's diagram: the runs at it (its seeds, and whatever axes the diagram does not show),
 * their majority class and the medians the heatmaps show.
 *
 * @param x index on the sweep's first axis (0 without axes)
 * @param y index on the second axis (0 for a one-axis sweep)
 * @param runs the runs at this point, by run id
 * @param majority the most common final class among the runs with step records (ties go to the class named
 *     first in {@link FinalClass}), or null when none has any
 * @param majorityCount how many runs have the majority class
 * @param classified how many runs have a class (step records)
 * @param valAccAt median validation accuracy at each fixed step, over the runs that reached it
 */
public record Cell(
        int x,
        int y,
        List<SweepRun> runs,
        FinalClass majority,
        int majorityCount,
        int classified,
        Median tTrain,
        Median tVal,
        Median delay,
        Map<Long, Double> valAccAt) {

    public Cell {
        runs = List.copyOf(runs);
        valAccAt = Collections.unmodifiableMap(new LinkedHashMap<>(valAccAt));
    }

    /** The run a click on the cell opens: the first run of the majority class with a report, else any with one. */
    public SweepRun linked() {
        for (SweepRun r : runs) if (r.report() != null && r.finalClass() == majority) return r;
        for (SweepRun r : runs) if (r.report() != null) return r;
        return null;
    }

    /**
     * The median of a step count over a cell's runs.
     *
     * @param value the median over the runs that reached it, or null when none did
     * @param reached how many runs reached it
     * @param of how many runs have step records
     */
    public record Median(Long value, int reached, int of) {
        static Median of(List<Long> values, int of) {
            if (values.isEmpty()) return new Median(null, 0, of);
            List<Long> sorted = values.stream().sorted().toList();
            int n = sorted.size();
            long m = n % 2 == 1 ? sorted.get(n / 2) : Math.round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0);
            return new Median(m, n, of);
        }
    }
}
