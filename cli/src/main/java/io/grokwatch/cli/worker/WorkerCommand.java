package io.grokwatch.cli.worker;

import io.grokwatch.cli.KafkaClientLogs;
import io.grokwatch.cli.KafkaOptions;
import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch worker}: a trainer service that runs the jobs of grokwatch.jobs, sharing them with the other workers
 * of its consumer group, until Ctrl-C.
 *
 * <pre>
 * grokwatch worker --slots 2 --checkpoint-dir /shared/ckpt
 * </pre>
 */
@Command(
        name = "worker",
        description = {
            "Runs training jobs from " + Topics.JOBS + " (published by grokwatch sweep) in one consumer group with "
                    + "the other workers, each exactly as grokwatch train would, and commits a job only when its run "
                    + "has finished. Runs whose run_finished is already on " + Topics.RUNS + " are skipped; jobs of a "
                    + "cancelled sweep are dropped; bad jobs go to " + Topics.DLQ + " with the reason.",
            "A worker that dies loses no job: the group gives its jobs to another worker, which resumes each from its "
                    + "last checkpoint when --checkpoint-dir is storage both can read, else from step 0. Ctrl-C hands "
                    + "running jobs over the same way (a checkpoint, no run_finished) and leaves the group."
        })
public final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--slots",
            paramLabel = "N",
            description = "Jobs trained at once (default: " + "one per 2 cores, at least 1; see bench/RESULTS.md).")
    Integer slots;

    @Option(
            names = "--batch",
            paramLabel = "K",
            defaultValue = "1",
            description =
                    "Train up to K jobs of one MLP shape together in a slot, one stacked step for all (a sweep's "
                            + "points); batched runs write no checkpoints, so a moved one restarts at step 0. 1: each job alone.")
    int batch;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Trainer threads per job (default: the cores divided among the slots).")
    Integer threads;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description = "Checkpoints of each job in DIR/RUN/; a job whose directory holds one resumes from it.")
    Path checkpointDir;

    @Option(
            names = "--metrics-dir",
            paramLabel = "DIR",
            description = "Also write each job's step records to DIR/RUN.jsonl (appended when a job resumes).")
    Path metricsDir;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Steps between a job's checkpoints; 0 = only at the end and on hand-over.")
    long checkpointEvery;

    @Option(
            names = "--group",
            paramLabel = "ID",
            defaultValue = ConsumerGroups.WORKER,
            description = "Consumer group of the workers that share the jobs.")
    String group;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "This worker's name in messages and run_started (default: worker-PID).")
    String name;

    @Option(
            names = "--progress-interval",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "Seconds between each job's progress lines.")
    double progressInterval;

    /** One slot per two cores: a run's MLP step splits over two threads, and two runs on one core slow each other. */
    public static int defaultSlots() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The cores divided among the slots, at least 1. */
    public static int defaultThreads(int slots) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / slots);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        KafkaClientLogs.quietConnectionRetries();
        int n = slots == null ? defaultSlots() : slots;
        if (n < 1) throw usage("--slots must be >= 1, got " + n);
        int t = threads == null ? defaultThreads(n) : threads;
        if (t < 1) throw usage("--threads must be >= 1, got " + t);
        if (checkpointEvery < 0) throw usage("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (!(progressInterval > 0)) throw usage("--progress-interval must be > 0 seconds, got " + progressInterval);
        if (group.isBlank()) throw usage("--group must not be empty");
        if (batch < 1) throw usage("--batch must be >= 1, got " + batch);
        JobWorker.Builder b = JobWorker.builder(kafka.clientProperties())
                .slots(n)
                .batch(batch)
                .threadsPerSlot(t)
                .checkpointRoot(checkpointDir)
                .metricsDir(metricsDir)
                .checkpointEvery(checkpointEvery)
                .group(group)
                .out(err)
                .progressInterval(Duration.ofMillis(Math.round(progressInterval * 1000)));
        if (name != null) b.name(name);
        JobWorker worker;
        try {
            worker = b.build();
        } catch (org.apache.kafka.common.KafkaException | IllegalArgumentException e) {
            throw usage("Kafka settings (--bootstrap-servers, --kafka-config): " + e.getMessage());
        }
        Thread hook = new Thread(worker::close, "grokwatch-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        worker.run();
        JobWorker.WorkerStats s = worker.stats();
        err.println("grokwatch worker: stopped; ran " + s.ran() + ", skipped " + s.skipped() + ", dropped "
                + s.dropped() + ", to the DLQ " + s.toDlq() + ", handed over " + s.handedOver());
        err.flush();
        return 0;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
