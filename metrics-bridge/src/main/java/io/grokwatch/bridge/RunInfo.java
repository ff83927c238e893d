package io.grokwatch.bridge;

import io.grokwatch.events.RunStarted;
import java.util.Objects;

/**
 * What the bridge knows about where a run came from: its task and model (labels of every per-run
 * series) and the provenance fields exported by {@code grokwatch_run_info}.
 *
 * @param backend ND4J backend or producer framework; null until run_started was seen
 * @param version grokwatch version of the trainer; null until run_started was seen
 * @param seed the run's seed as text; null until run_started was seen
 */
record RunInfo(String task, String model, String backend, String version, String seed) {

    /** Label value used for task and model until the run's run_started record arrives. */
    static final String UNKNOWN = "unknown";

    /** A run seen only through step or analyzer records so far. */
    static final RunInfo NOT_STARTED = new RunInfo(UNKNOWN, UNKNOWN, null, null, null);

    RunInfo {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(model, "model");
    }

    static RunInfo of(RunStarted started) {
        return new RunInfo(
                started.task(),
                started.model(),
                started.provenance().backend(),
                started.provenance().version(),
                Long.toString(started.provenance().seed()));
    }

    /** True once run_started was seen, i.e. the provenance fields are filled. */
    boolean started() {
        return backend != null;
    }
}
