package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventType;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Job;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Made-up sweeps with hand-made step curves whose final classes are known: accuracies jump from chance to 0.99
 * at chosen steps (a step function survives the detector's 3-point median unchanged, so t_train and t_val are
 * exactly those steps). Published the way the worker publishes: a job, then run_started whose config holds
 * {@code "sweep"} and {@code "point"}, the steps, a few snapshots, run_finished.
 */
public final class SyntheticSweep {
    /** Steps of every synthetic run. */
    public static final long BUDGET = 3000;
    /** Evaluations every this many steps. */
    public static final long EVERY = 10;

    private static final long T0 = 1_760_000_000_000L;

    /**
     * One run to make.
     *
     * @param tTrain step where train accuracy jumps to 0.99, or null for never
     * @param tVal the same for validation
     * @param started false for a job whose run never started
     * @param finished false for a run still going (no run_finished)
     * @param lastStep the last step recorded (BUDGET for a finished run)
     */
    public record RunSpec(
            String run,
            Map<String, Object> point,
            Long tTrain,
            Long tVal,
            boolean started,
            boolean finished,
            long lastStep) {

        /** The class these curves must get: the analyzer's rule with its default 1000-step grokking gap. */
        public FinalClass expected() {
            if (tVal != null && tVal <= lastStep) {
                return tTrain != null && tVal - tTrain >= 1000 ? FinalClass.GROKKING : FinalClass.COMPREHENSION;
            }
            return tTrain != null && tTrain <= lastStep ? FinalClass.MEMORIZATION : FinalClass.CONFUSION;
        }
    }

    private SyntheticSweep() {}

    /**
     * A 3x2 grid, weightDecay (0.01, 0.1, 1) x trainFraction (0.3, 0.6), two seeds each, with the four classes
     * laid out as in Liu et al.'s diagram (more decay, more data: faster generalisation); plus a third seed at
     * (1, 0.6) whose job never started.
     */
    public static List<RunSpec> grid(String sweep) {
        List<RunSpec> out = new ArrayList<>();
        double[] decays = {0.01, 0.1, 1.0};
        double[] fractions = {0.3, 0.6};
        // [decay][fraction] -> {tTrain, tVal seed 0, tVal seed 1}; null = never
        Long[][][] t = {
            {{null, null, null}, {50L, null, null}},
            {{50L, null, null}, {50L, 2000L, 2200L}},
            {{50L, 1500L, 1700L}, {50L, 300L, 350L}},
        };
        int i = 0;
        for (int d = 0; d < decays.length; d++) {
            for (int f = 0; f < fractions.length; f++) {
                for (int seed = 0; seed < 2; seed++) {
                    out.add(new RunSpec(
                            runId(sweep, i++),
                            point(decays[d], fractions[f], seed),
                            t[d][f][0],
                            t[d][f][1 + seed],
                            true,
                            true,
                            BUDGET));
                }
            }
        }
        out.add(new RunSpec(runId(sweep, i), point(1.0, 0.6, 2), 50L, 300L, false, false, -1));
        return out;
    }

    /**
     * A one-axis width sweep, MLP hidden [8], [32], [128] x two seeds: the wider the model, the earlier
     * validation jumps (2500, 1200, 400), so at 25% of the budget only the widest has generalised.
     */
    public static List<RunSpec> widths(String sweep) {
        List<RunSpec> out = new ArrayList<>();
        int[] widths = {8, 32, 128};
        long[] tVal = {2500, 1200, 400};
        int i = 0;
        for (int w = 0; w < widths.length; w++) {
            for (int seed = 0; seed < 2; seed++) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("hidden", List.of(widths[w]));
                p.put("seed", seed);
                out.add(new RunSpec(runId(sweep, i++), p, 40L, tVal[w] + 10 * seed, true, true, BUDGET));
            }
        }
        return out;
    }

    public static String runId(String sweep, int index) {
        return sweep + "-" + String.format("%03d", index);
    }

    private static Map<String, Object> point(double decay, double fraction, int seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("weightDecay", decay);
        p.put("trainFraction", fraction);
        p.put("seed", seed);
        return p;
    }

    /** Every record of the sweep's runs, in the order a worker would publish them. */
    public static List<Event> events(String sweep, List<RunSpec> specs) {
        List<Event> out = new ArrayList<>();
        for (RunSpec s : specs) {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("preset", "simple-grokking");
            config.put("steps", BUDGET);
            config.putAll(s.point());
            out.add(new Job(s.run(), sweep, T0, s.point(), config));
            if (!s.started()) continue;
            Map<String, Object> started = new LinkedHashMap<>(config);
            started.put("sweep", sweep);
            started.put("point", s.point());
            long seed = ((Number) s.point().getOrDefault("seed", 0)).longValue();
            out.add(new RunStarted(
                    s.run(),
                    T0,
                    "add_mod",
                    "mlp",
                    started,
                    new Provenance(seed, "split", "0.1.0", "abc", "jvm", "os", "cpu", "test", "host")));
            for (long step = 0; step <= s.lastStep(); step += EVERY) {
                double train = s.tTrain() != null && step >= s.tTrain() ? 0.99 : 0.02;
                double val = s.tVal() != null && step >= s.tVal() ? 0.99 : 0.02;
                out.add(new StepRecord(
                        s.run(), step, 1 - train, train, 1 - val, val, T0 + step, 30.0, null, 1.0, 0.03, 500.0));
            }
            for (long step = 0; step <= s.lastStep(); step += BUDGET / 2) out.add(snapshot(s.run(), step));
            if (s.finished()) {
                out.add(new RunFinished(
                        s.run(), T0 + s.lastStep() + 1, RunFinished.Status.COMPLETED, "step budget", s.lastStep()));
            }
        }
        return out;
    }

    /** The records as a reader would collect them, without Kafka. */
    public static SweepRecords records(String sweep, List<Event> events) {
        SweepRecords.Collector c = new SweepRecords.Collector(sweep);
        events.forEach(c::addMembership);
        events.forEach(c::addData);
        return c.build();
    }

    /** Publishes records to their topics, keyed by run. */
    public static void publish(String bootstrap, List<Event> events) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Event e : events) {
                producer.send(new ProducerRecord<>(EventType.of(e).topic(), Topics.key(e), EventCodec.encode(e)));
            }
            producer.flush();
        }
    }

    private static EmbeddingSnapshot snapshot(String run, long step) {
        int p = 11;
        int dim = 4;
        float[] data = new float[p * dim];
        for (int i = 0; i < data.length; i++) data[i] = (float) Math.cos(i * 0.7 + step);
        return new EmbeddingSnapshot(run, step, T0 + step, "add", p, p, dim, data);
    }
}
