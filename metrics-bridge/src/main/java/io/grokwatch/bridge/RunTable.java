package io.grokwatch.bridge;

import io.grokwatch.events.Alert;
import io.grokwatch.events.Event;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runs the bridge currently exports, and what it remembers about runs it no longer does.
 *
 * <p>Not thread-safe on purpose: only the poll thread touches it, so the state needs no locks;
 * scrapes read the Prometheus metrics, which are thread-safe, never this table.
 */
final class RunTable {
    /**
     * How many runs' task/model the table remembers after their series expired, so a run that goes
     * silent and later resumes gets its labels back. Bounded so a long-lived bridge does not grow.
     */
    static final int REMEMBERED_RUNS = 10_000;

    /** The view of a run before and after one record; {@code before} is null for a new run. */
    record Change(RunView before, RunView after) {
        /**
         * True when the run's info changed (run_started arrived after other records, or again with
         * other values): series carrying the old label values must be removed, not overwritten.
         */
        boolean relabelled() {
            return before != null && !before.info().equals(after.info());
        }
    }

    private final long ttlMillis;
    private final Map<String, RunView> live = new HashMap<>();
    private final Map<String, RunInfo> remembered = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RunInfo> eldest) {
            return size() > REMEMBERED_RUNS;
        }
    };

    RunTable(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("runTtl must be positive, got " + ttl);
        }
        this.ttlMillis = ttl.toMillis();
    }

    /**
     * Applies one decoded record consumed at {@code now} (bridge clock, epoch millis). Returns the
     * run's view before and after, or null for records that carry nothing per-run (embedding
     * snapshots, control commands, DLQ records).
     */
    Change apply(Event event, long now) {
        RunView before = live.get(event.run());
        RunView base = before != null ? before : RunView.first(event.run(), infoOf(event.run()), now);
        RunView after;
        if (event instanceof RunStarted started) {
            RunInfo info = RunInfo.of(started);
            remembered.put(started.run(), info);
            after = base.withInfo(info, now);
        } else if (event instanceof StepRecord step) {
            after = base.withStep(step, now);
        } else if (event instanceof Transition transition) {
            after = base.withTransition(transition, now);
        } else if (event instanceof Alert alert) {
            after = base.withAlert(alert, now);
        } else if (event instanceof StructureAnalysis analysis) {
            after = base.withStructure(analysis, now);
        } else if (event instanceof Forecast forecast) {
            after = base.withForecast(forecast, now);
        } else if (event instanceof RunFinished) {
            after = base.withFinished(now);
        } else {
            return null;
        }
        live.put(after.run(), after);
        return new Change(before, after);
    }

    /**
     * Removes and returns the runs whose last record was consumed more than the TTL before {@code
     * now}. A finished run sends nothing more, so it leaves one TTL after its run_finished.
     */
    List<RunView> expire(long now) {
        List<RunView> expired = new ArrayList<>();
        for (Iterator<RunView> it = live.values().iterator(); it.hasNext(); ) {
            RunView view = it.next();
            if (now - view.lastUpdateMillis() > ttlMillis) {
                expired.add(view);
                it.remove();
            }
        }
        return expired;
    }

    /** The number of runs whose series are exported now. */
    int size() {
        return live.size();
    }

    private RunInfo infoOf(String run) {
        return remembered.getOrDefault(run, RunInfo.NOT_STARTED);
    }
}
