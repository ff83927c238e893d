package io.grokwatch.trainer.bench;

import io.grokwatch.trainer.train.BatchTrainer;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.TrainConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Runs per hour of a simple-grokking sweep trained by {@link BatchTrainer} in this JVM: weight decay x train
 * fraction, every run the preset with its evaluation every evalEvery steps; one JSON line at the end.
 *
 * <pre>{@code java ... io.grokwatch.trainer.bench.SweepBench [--steps 5000] [--k 24] [--threads 2]
 *     [--decays 0.01,0.03,0.1,0.3,1,3] [--fractions 0.2,0.4,0.6,0.8] [--runs N] [--float-adam]}</pre>
 *
 * <p>The runs are cut into batches of k members (in grid order), trained one batch after the other, each batch on
 * {@code threads} threads; --runs keeps the first N grid points. The wall time covers building the batches and
 * training them, not the JVM's start; cpu_s is the process's CPU time over the same span (all threads, JIT and GC
 * included). --float-adam: {@link BatchTrainer#floatAdam}. Per run it prints (stderr) the outcome, t_train and t_val.
 */
public final class SweepBench {
    private SweepBench() {}

    public static void main(String[] args) {
        long steps = 5000;
        int k = 24;
        int threads = 2;
        int runs = Integer.MAX_VALUE;
        boolean floatAdam = false;
        List<Double> decays = List.of(0.01, 0.03, 0.1, 0.3, 1.0, 3.0);
        List<Double> fractions = List.of(0.2, 0.4, 0.6, 0.8);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Long.parseLong(args[++i]);
                case "--k" -> k = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--float-adam" -> floatAdam = true;
                case "--decays" -> decays = doubles(args[++i]);
                case "--fractions" -> fractions = doubles(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i]
                                    + "; see SweepBench's Javadoc: --steps --k --threads --runs --float-adam --decays --fractions");
            }
        }
        List<TrainConfig> cfgs = new ArrayList<>();
        for (double wd : decays) {
            for (double f : fractions) {
                if (cfgs.size() < runs) {
                    cfgs.add(Presets.get("simple-grokking").toBuilder()
                            .weightDecay(wd)
                            .trainFraction(f)
                            .steps(steps)
                            .build());
                }
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<Outcome> outs = new ArrayList<>();
        for (int from = 0; from < cfgs.size(); from += k) {
            List<TrainConfig> batch = cfgs.subList(from, Math.min(cfgs.size(), from + k));
            outs.addAll(new BatchTrainer(batch, Collections.nCopies(batch.size(), StepListener.NONE), threads)
                    .floatAdam(floatAdam)
                    .run());
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        for (int i = 0; i < cfgs.size(); i++) {
            Outcome o = outs.get(i);
            System.err.printf(
                    Locale.ROOT,
                    "wd %s fraction %s: %s, t_train %d, t_val %d, val acc %.3f%n",
                    cfgs.get(i).weightDecay(),
                    cfgs.get(i).trainFraction(),
                    o.status(),
                    o.trainReached(),
                    o.valReached(),
                    o.last().valAcc());
        }
        System.out.printf(
                Locale.ROOT,
                "{\"engine\":\"grokwatch-batched%s\",\"runs\":%d,\"steps\":%d,\"k\":%d,\"threads\":%d,"
                        + "\"wall_s\":%.2f,\"cpu_s\":%.2f,\"runs_per_hour\":%.1f}%n",
                floatAdam ? "-float-adam" : "",
                cfgs.size(),
                steps,
                k,
                threads,
                wall,
                cpu,
                3600 * cfgs.size() / wall);
    }

    private static List<Double> doubles(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .map(Double::valueOf)
                .toList();
    }
}
