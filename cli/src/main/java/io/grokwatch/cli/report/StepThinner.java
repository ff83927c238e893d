package io.grokwatch.cli.report;

import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Thins a long run's step records for plotting on a log step axis: keeps the first and last
 * records, records spread evenly in log(step) and in step, and the records at the given steps
 * (transitions), so both the early fitting and the late jump stay sharp.
 */
public final class StepThinner {

    private StepThinner() {}

    /** At most about {@code maxPoints} records (plus the kept steps), in step order. */
    public static List<StepRecord> thin(List<StepRecord> steps, int maxPoints, Collection<Long> keepSteps) {
        if (maxPoints < 2) throw new IllegalArgumentException("maxPoints must be >= 2, got " + maxPoints);
        int n = steps.size();
        if (n <= maxPoints) return List.copyOf(steps);
        long[] stepAt = new long[n];
        for (int i = 0; i < n; i++) stepAt[i] = steps.get(i).step();
        TreeSet<Integer> keep = new TreeSet<>();
        keep.add(0);
        keep.add(n - 1);
        int half = maxPoints / 2;
        double lo = Math.log(Math.max(1, stepAt[0]));
        double hi = Math.log(Math.max(1, stepAt[n - 1]));
        for (int j = 0; j < half; j++) {
            double target = Math.exp(lo + (hi - lo) * j / (half - 1));
            keep.add(nearest(stepAt, Math.round(target)));
            keep.add((int) ((long) j * (n - 1) / (half - 1)));
        }
        for (long s : keepSteps) keep.add(nearest(stepAt, s));
        List<StepRecord> out = new ArrayList<>(keep.size());
        for (int i : keep) out.add(steps.get(i));
        return out;
    }

    private static int nearest(long[] sorted, long target) {
        int lo = 0;
        int hi = sorted.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < target) lo = mid + 1;
            else hi = mid;
        }
        if (lo > 0 && target - sorted[lo - 1] < sorted[lo] - target) return lo - 1;
        return lo;
    }
}
