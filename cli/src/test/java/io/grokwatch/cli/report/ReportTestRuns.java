package io.grokwatch.cli.report;

import io.grokwatch.events.Event;
import java.util.List;

/** Synthetic runs for tests outside this package (the command tests). */
public final class ReportTestRuns {
    private ReportTestRuns() {}

    /** A grokking run: 1001 step records (every 5 steps to 5000) and 21 snapshots of Z_53 embeddings. */
    public static List<Event> grokking(String run) {
        return SyntheticRun.events(run, 5000, 5, 250, ReportFixtures.GROK_STEP);
    }
}
