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
 * <pre>{@code java ... io.grokwatch.trainer.bench.TrainerBench [--steps 200] [--threads 1] mlp97 simple-grokking nanda}</pre>
 *
 * <p>Like torch_ref: warm-up of max(3, steps/10) steps (at least 20 here, for the JIT), then the median of
 * per-step wall times; the transformer runs steps/10 (at least 10). The train set is int(frac * p^2) pairs,
 * as torch_ref takes them (not the trainer's rounded split), labels x+y mod p.
 */
public final class TrainerBench {
    /** One torch_ref config: kind, modulus, train fraction, widths. */
    record Shape(String name, boolean mlp, int p, double frac, int d, int hidden, int heads, int dMlp) {
    }

    static final List<Shape> SHAPES = List.of(
            new Shape("mlp97", true, 97, 0.5, 128, 256, 0, 0),
            new Shape("simple-grokking", true, 53, 0.6, 128, 128, 0, 0),
            new Shape("nanda", false, 113, 0.3, 128, 0, 4, 512));

    private TrainerBench() {
    }

    public static void main(String[] args) {
        int steps = 200;
        int threads = Backend.configuredThreads();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> names.add(args[i]);
            }
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Backend.threads(threads);
        if (names.isEmpty()) {
            SHAPES.forEach(s -> names.add(s.name()));
        }
        for (String name : names) {
            Shape s = SHAPES.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("config must be one of mlp97, simple-grokking, nanda, got '" + name + "'"));
            System.out.println(bench(s, s.mlp() ? steps : Math.max(10, steps / 10), threads));
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
        Model model = s.mlp()
                ? new Mlp(new Mlp.Config(p, s.d(), List.of(s.hidden()), p), DataType.FLOAT, 0)
                : new Transformer(new Transformer.Config(p + 1, p, 1, s.d(), s.heads(), s.dMlp(), false, 1.0 / Math.sqrt(s.d())),
                        DataType.FLOAT, 0);
        AdamW opt = new AdamW(model.params(), new AdamW.Config(1e-3, 0.9, 0.98, 1e-8, 1.0, 0));
        INDArray dLogits = Nd4j.create(DataType.FLOAT, n, p);
        Runnable step = () -> {
            Loss.CROSS_ENTROPY.evaluate(model.forward(batch), y, dLogits);
            model.backward(dLogits);
            opt.step(model.params());
        };
        for (int i = 0; i < Math.max(20, Math.max(3, steps / 10)); i++) {
            step.run();
        }
        double[] ms = new double[steps];
        double[] cpu = new double[steps];
        for (int i = 0; i < steps; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        double med = median(ms);
        // the calling thread's CPU time: with 1 ND4J thread all the work runs on it, and it is steadier than wall
        // time on a shared machine (with more threads it misses the OpenMP workers' share)
        return String.format(Locale.ROOT, "{\"config\": \"%s\", \"engine\": \"grokwatch-nd4j\", \"threads\": %d, \"examples\": %d, "
                + "\"params\": %d, \"median_step_ms\": %.3f, \"steps_per_s\": %.1f, \"median_thread_cpu_ms\": %.3f}",
                s.name(), threads, n, model.params().count(), med, 1000 / med, median(cpu));
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int k = s.length;
        return k % 2 == 1 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
    }
}
