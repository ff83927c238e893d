package io.grokwatch.cli.report;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.events.Event;
import java.util.List;

/** Report models of synthetic runs, built with the real analyzer. */
final class ReportFixtures {
    static final long GROK_STEP = 2000;

    private ReportFixtures() {}

    static RunRecords grokkingRecords(String run) {
        RunRecords.Collector c = RunRecords.collector(run);
        List<Event> events = SyntheticRun.events(run, 5000, 5, 250, GROK_STEP);
        events.forEach(c::add);
        return c.build();
    }

    static ReportModel grokkingModel(String run) {
        return new ReportAssembler(DetectorConfig.defaults(), 3, 3000).assemble(grokkingRecords(run));
    }
}
