package io.grokwatch.bridge;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Job;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small factories for the records a run produces, with values that are exact in binary. */
final class Runs {
    private Runs() {}

    /** A job of a sweep, with the grid point and a config holding it, as the sweep command publishes. */
    static Job job(String run, String sweep, Map<String, Object> point) {
        Map<String, Object> config = new LinkedHashMap<>(Map.of("preset", "simple-grokking", "steps", 5000));
        config.putAll(point);
        return new Job(run, sweep, 1_000, point, config);
    }

    /** The run_started a worker publishes for a job: the config plus "sweep" and "point". */
    static RunStarted startedInSweep(String run, String sweep, Map<String, Object> point) {
        RunStarted plain = started(run, "add_mod", "mlp", 7);
        Map<String, Object> config = new LinkedHashMap<>(plain.config());
        config.put("sweep", sweep);
        config.put("point", point);
        return new RunStarted(run, plain.time(), plain.task(), plain.model(), config, plain.provenance());
    }

    static RunStarted started(String run, String task, String model, long seed) {
        Provenance provenance = new Provenance(
                seed,
                "0123abcd",
                "0.1.0-test",
                "unknown",
                "test-jvm",
                "test-os",
                "test-cpu x2",
                "CPU test-backend",
                "test-host");
        return new RunStarted(run, 1_000, task, model, Map.of("p", 53), provenance);
    }

    /** A step whose values are simple functions of the step, all exactly representable. */
    static StepRecord step(String run, long step, long timeMillis) {
        return new StepRecord(
                run,
                step,
                2.0 / (step + 1),
                Math.min(1.0, step / 512.0),
                4.0 / (step + 1),
                Math.min(1.0, step / 1024.0),
                timeMillis,
                10.0 + step / 8.0,
                step / 4096.0,
                0.5,
                0.03,
                null);
    }

    static Transition transition(String run, Phase from, Phase to, long step) {
        return new Transition(run, from, to, step, step + 10, 5_000 + step);
    }

    static Alert alert(String run, AlertKind kind, long detectedStep) {
        return new Alert(
                run, kind, detectedStep, detectedStep, 6_000 + detectedStep, 0.25, kind + " at " + detectedStep);
    }

    static StructureAnalysis structure(String run, long step, double fourierShare, double rqi) {
        return new StructureAnalysis(
                run, step, 7_000, new int[] {4, 17}, fourierShare, rqi, new double[] {0.5, 0.25}, new double[] {
                    0, 1, 1, 0
                });
    }

    /** The analyzer's t_val forecast at {@code step}; a null tVal, low or high means never. */
    static Forecast forecast(String run, long step, Long budget, Long tVal, Long low, Long high) {
        return new Forecast(run, step, 8_000 + step, budget, tVal, low, high, 1.25, "test trend");
    }

    static RunFinished finished(String run, long lastStep) {
        return new RunFinished(run, 9_000, RunFinished.Status.COMPLETED, "budget reached", lastStep);
    }
}
