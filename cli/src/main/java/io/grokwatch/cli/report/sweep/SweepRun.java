package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.FinalClass;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of a sweep as its report shows it.
 *
 * @param point the grid point without the seed, in the order the record carried it
 * @param seed the run's seed (the point's "seed", else its provenance seed), or null when unknown
 * @param status {@code completed}, {@code stopped} or {@code failed} from run_finished; {@code running} without
 *     one; {@code missing} for a job whose run never started
 * @param finalClass the detector's class over the steps so far, or null without step records
 * @param tTrain first step with train accuracy at the detector's threshold, or null
 * @param tVal the same for validation, or null
 * @param delay {@code tVal - tTrain}, or null
 * @param lastStep the last recorded step, or -1 without step records
 * @param finalValAcc validation accuracy at the last recorded step, or null
 * @param valAccAt validation accuracy at each of the sweep's fixed steps (the last record at or before it); a
 *     step the run has not reached is absent
 * @param report the run's report page relative to the sweep page ({@code runs/RUN.html}), or null without one
 */
public record SweepRun(
        String run,
        Map<String, Object> point,
        Long seed,
        String status,
        FinalClass finalClass,
        Long tTrain,
        Long tVal,
        Long delay,
        long lastStep,
        Double finalValAcc,
        Map<Long, Double> valAccAt,
        String report) {

    public static final String RUNNING = "running";
    public static final String MISSING = "missing";

    public SweepRun {
        if (run == null || run.isEmpty()) throw new IllegalArgumentException("run must be a non-empty run id");
        if (status == null || status.isEmpty()) throw new IllegalArgumentException("status of " + run + " is empty");
        point = Collections.unmodifiableMap(new LinkedHashMap<>(point));
        valAccAt = Collections.unmodifiableMap(new LinkedHashMap<>(valAccAt));
    }
}
