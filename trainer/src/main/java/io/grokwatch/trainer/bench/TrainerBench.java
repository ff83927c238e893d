package io.grokwatch.trainer.bench;

import io.grokwatch.trainer.model.Batch;
import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.model.Mlp;
import io.grokwatch.trainer.model.Model;
import io.grokwatch.trainer.model.Transformer;
import io.grokwatch.trainer.optim.AdamW;
import io.grokwatch.trainer.train.Backend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training-step throughput with the shapes of /work/shared/bench/torch_ref.py's CONFIGS: full-batch AdamW
 * (lr 1e-3, betas 0.9/0.98, wd 1), float32, no evaluation in the timed loop; one JSON line per config.
 *
 * <pre>{@code java ... io.grokwatch.trainer.bench.TrainerBench [--steps 200] [--threads N] mlp97 simple-grokking nanda}</pre>
 *
 * <p>Threads as the Trainer uses them: an MLP splits its rows across them with ND4J single-threaded, a transformer
 * gives them to ND4J; without --threads, each kind's default (Backend.mlpThreads / configuredThreads).
 *
 * <p>Like torch_ref: warm-up of max(3, steps/10) steps (at least 20 here, then on until the JIT has been idle for
 * 1 s, at most 20 s: the steady state a long run sees), then the median of per-step wall times; the transformer
 * runs steps/10 (at least 10). The train set is int(frac * p^2) pairs, as torch_ref takes them (not the trainer's
 * rounded split), labels x+y mod p. JSON fields: median_thread_cpu_ms is the calling thread's CPU time,
 * mean_process_cpu_ms all threads' (the MLP's step threads, JIT, GC), jit_ms_while_timed the JIT's compile time in
 * the timed loop.
 */
public final class TrainerBench {
    /** One torch_ref config: kind, modulus, train fraction, widths. */
    record Shape(String name, boolean mlp, int p, double frac, int d, int hidden, int heads, int dMlp) {}

    static final List<Shape> SHAPES = List.of(
            new Shape("mlp97", true, 97, 0.5, 128, 256, 0, 0),
            new Shape("simple-grokking", true, 53, 0.6, 128, 128, 0, 0),
            new Shape("nanda", false, 113, 0.3, 128, 0, 4, 512));

    private TrainerBench() {}

    public static void main(String[] args) {
        int steps = 200;
        Integer threads = null; // default: the Trainer's, per model kind
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> names.add(args[i]);
            }
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        if (names.isEmpty()) {
            SHAPES.forEach(s -> names.add(s.name()));
        }
        for (String name : names) {
            Shape s = SHAPES.stream()
                    .filter(x -> x.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "config must be one of mlp97, simple-grokking, nanda, got '" + name + "'"));
            int t = threads != null ? threads : Backend.defaultThreads(s.mlp());
            System.out.println(bench(s, s.mlp() ? steps : Math.max(10, steps / 10), t));
        }
    }

    static String bench(Shape s, int steps, int threads) {
        int p = s.p();
        int n = (int) (s.frac() * p * p);
        // a seeded shuffle of all pairs, first n for training (the split does not change the step's cost)
        int[] perm = new int[p * p];
        Arrays.setAll(perm, i -> i);
        Random rng = new Random(0);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] a = new int[n];
        int[] b = new int[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = perm[i] / p;
            b[i] = perm[i] % p;
            y[i] = (a[i] + b[i]) % p;
        }
        Batch batch = new Batch(a, b);
        Backend.threadsFor(s.mlp(), threads); // as the Trainer does
        Model model = s.mlp()
                ? new Mlp(new Mlp.Config(p, s.d(), List.of(s.hidden()), p), DataType.FLOAT, 0, threads)
                : new Transformer(
                        new Transformer.Config(p + 1, p, 1, s.d(), s.heads(), s.dMlp(), false, 1.0 / Math.sqrt(s.d())),
                        DataType.FLOAT,
                        0);
        AdamW opt = new AdamW(model.params(), new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1.0, 0));
        INDArray dLogits = Nd4j.create(DataType.FLOAT, n, p);
        Runnable step = () -> {
            model.trainStep(batch, y, Loss.CROSS_ENTROPY, dLogits);
            opt.step(model.params());
        };
        for (int i = 0; i < Math.max(20, Math.max(3, steps / 10)); i++) {
            step.run();
        }
        // then on until the JIT has been idle for a second (at most 20 s): after 20 steps it was still compiling for
        // ~1 s of simple-grokking's ~1 s timed loop, on the cores the step's own threads need
        long start = System.nanoTime();
        long quietSince = start;
        long compiled = JIT.getTotalCompilationTime();
        while (System.nanoTime() - quietSince < 1_000_000_000L && System.nanoTime() - start < 20_000_000_000L) {
            step.run();
            long c = JIT.getTotalCompilationTime();
            if (c != compiled) {
                compiled = c;
                quietSince = System.nanoTime();
            }
        }
        double[] ms = new double[steps];
        double[] cpu = new double[steps];
        long p0 = PROCESS.getProcessCpuTime();
        long jit0 = JIT.getTotalCompilationTime();
        for (int i = 0; i < steps; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        double processMs = (PROCESS.getProcessCpuTime() - p0) / 1e6 / steps;
        long jitMs = JIT.getTotalCompilationTime() - jit0;
        double med = median(ms);
        int shards = model instanceof Mlp m ? m.shardsFor(n) : 1;
        // the calling thread's CPU time: with 1 thread all the work runs on it, and it is steadier than wall time on a
        // shared machine (with more threads it misses the other threads' share: the process's mean covers them,
        // plus the JIT and GC)
        return String.format(
                Locale.ROOT,
                "{\"config\": \"%s\", \"engine\": \"grokwatch-nd4j\", \"threads\": %d, \"shards\": %d, "
                        + "\"examples\": %d, \"params\": %d, \"median_step_ms\": %.3f, \"steps_per_s\": %.1f, \"median_thread_cpu_ms\": %.3f, "
                        + "\"mean_process_cpu_ms\": %.3f, \"jit_ms_while_timed\": %d}",
                s.name(),
                threads,
                shards,
                n,
                model.params().count(),
                med,
                1000 / med,
                median(cpu),
                processMs,
                jitMs);
    }

    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final java.lang.management.CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int k = s.length;
        return k % 2 == 1 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
    }
}
