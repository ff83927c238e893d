package io.grokwatch.events;

import java.util.List;
import java.util.Map;

/** One hand-written, fully populated valid record of every type, shared by the codec tests. */
final class SampleEvents {
    static final long TIME = 1_700_000_000_000L;

    static final Provenance PROVENANCE = new Provenance(
            42L,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "0.1.0-SNAPSHOT",
            "d9d8598",
            "Eclipse Adoptium 17.0.9",
            "Linux 6.1.0 amd64",
            "AMD EPYC 7B13 x2",
            "CPU linux-x86_64-avx2",
            "host-1");

    private SampleEvents() {}

    static StepRecord step() {
        return new StepRecord("run-1", 1200, 0.0123, 1.0, 2.5, 0.31, TIME, 41.5, 0.27, 0.8, 3e-2, 512.0);
    }

    static RunStarted runStarted() {
        // Only JSON-natural value types (Integer, Double, String, Boolean, List, Map) so that equality
        // after a round trip is meaningful.
        Map<String, Object> config = Map.of(
                "lr",
                0.03,
                "steps",
                5000,
                "optimizer",
                "adamw",
                "betas",
                List.of(0.9, 0.98),
                "grokfast",
                Map.of("alpha", 0.98, "enabled", true));
        return new RunStarted("run-1", TIME, "add_mod", "mlp", config, PROVENANCE);
    }

    static RunFinished runFinished() {
        return new RunFinished("run-1", TIME + 60_000, RunFinished.Status.STOPPED, "auto-stop: GROKKED+500", 5200);
    }

    static EmbeddingSnapshot snapshot() {
        float[] data = new float[5 * 3];
        for (int i = 0; i < data.length; i++) data[i] = (float) Math.sin(i) * 0.25f;
        return new EmbeddingSnapshot("run-1", 1000, TIME, "add", 5, 5, 3, data);
    }

    static Transition transition() {
        return new Transition("run-1", Phase.MEMORIZED, Phase.GENERALIZING, 900, 1000, TIME);
    }

    static Alert alert() {
        return new Alert("run-1", AlertKind.VAL_ACC_JUMP, 900, 1000, TIME, 0.42, "val acc jumped 0.12 -> 0.42");
    }

    static StructureAnalysis structure() {
        return new StructureAnalysis(
                "run-1", 1000, TIME, new int[] {4, 11}, 0.93, 0.71, new double[] {0.41, 0.33}, new double[] {
                    0.1, -0.2, 0.3, -0.4, 0.5, -0.6
                });
    }

    static Forecast forecast() {
        return new Forecast("run-1", 1000, TIME, 5000L, 2400L, 1800L, 3300L, 7.25, "val loss 7.25, falling 0.004/step");
    }

    static ControlCommand control() {
        return new ControlCommand("run-1", "cmd-7", ControlCommand.Command.STOP, TIME, "auto-stop: GROKKED+500");
    }

    static Job job() {
        Map<String, Object> point = new java.util.LinkedHashMap<>();
        point.put("weightDecay", 0.3);
        point.put("trainFraction", 0.4);
        point.put("seed", 1);
        return new Job("run-1", "sweep-1", TIME, point, Map.of("preset", "simple-grokking", "steps", 5000));
    }

    static DlqRecord dlq() {
        return new DlqRecord(
                "run-1", Topics.METRICS, 2, 1234, "{\"type\":\"step\"", "not valid JSON: end of input", TIME);
    }

    /** One sample of every record type, in {@link EventType} order. */
    static List<Event> all() {
        return List.of(
                runStarted(),
                runFinished(),
                step(),
                snapshot(),
                transition(),
                alert(),
                structure(),
                forecast(),
                control(),
                job(),
                dlq());
    }

    /** The sample of the given type. */
    static Event of(EventType type) {
        return all().stream().filter(e -> EventType.of(e) == type).findFirst().orElseThrow();
    }
}
