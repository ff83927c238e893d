package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.trainer.checkpoint.CheckpointDirectory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code grokwatch train} in-process: files, flags, checkpoints and resume, and against the embedded broker. */
class TrainCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** x+y mod 11 on a small MLP: a run of a few dozen steps takes well under a second once ND4J is loaded. */
    private static final List<String> TINY = List.of(
            "train",
            "--preset",
            "simple-grokking",
            "--p",
            "11",
            "--embed-dim",
            "8",
            "--hidden",
            "16",
            "--progress-interval",
            "0");

    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().partitions(2).build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private static CliRun train(String... more) {
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of(more));
        return CliRun.grokwatch(args.toArray(String[]::new));
    }

    @Test
    void withoutKafkaWritesOneStepLinePerEvaluationAndShowsProgress() throws IOException {
        Path out = dir.resolve("tiny.jsonl");
        CliRun r = train(
                "--steps",
                "40",
                "--eval-every",
                "10",
                "--no-kafka",
                "--metrics-out",
                out.toString(),
                "--run",
                "tiny-1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<StepRecord> steps = readSteps(out);
        assertThat(steps).extracting(StepRecord::step).containsExactly(0L, 10L, 20L, 30L, 40L);
        assertThat(steps).allSatisfy(s -> assertThat(s.run()).isEqualTo("tiny-1"));
        assertThat(r.err())
                .containsPattern(
                        "step 40/40 100% \\| train loss [0-9.e+-]+ acc +[0-9.]+% \\| val loss [0-9.e+-]+ acc +[0-9.]+% "
                                + "\\| [0-9]+ steps/s \\| ETA 0:00");
        assertThat(r.out())
                .contains(
                        "grokwatch train: run tiny-1: simple-grokking, x+y mod 11, 60% train, mlp embed 8 hidden [16]")
                .containsPattern("run tiny-1 COMPLETED: ran 40 steps \\(40 steps in [0-9.]+ s")
                .contains("Kafka: off (--no-kafka)")
                .contains("metrics file: 5 step records written, 0 failed");
    }

    /** A full disk under the metrics file: one clear warning, training goes on, the summary counts the failures. */
    @Test
    void aMetricsFileOnAFullDiskIsAWarningAndTrainingGoesOn() {
        Path full = Path.of("/dev/full");
        // CI must run it; a developer's machine without /dev/full skips it, saying why
        org.junit.jupiter.api.Assertions.assertFalse(
                "true".equalsIgnoreCase(System.getenv("CI")) && !Files.exists(full), "/dev/full is missing on CI");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "/dev/full is missing; no disk-full check");
        CliRun r = train("--steps", "40", "--eval-every", "10", "--no-kafka", "--metrics-out", "/dev/full");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.contains("/dev/full")))
                .containsExactly("grokwatch: cannot write /dev/full (No space left on device); training continues,"
                        + " further step records are not written there");
        assertThat(r.out())
                .containsPattern("COMPLETED: ran 40 steps")
                .contains("metrics file: 0 step records written, 5 failed");
    }

    @Test
    void stopAfterGrokEndsTheRunAsGrokkedNStepsLater() throws IOException {
        Path out = dir.resolve("grok.jsonl");
        // any nonzero val accuracy counts as grokked here, so the run stops early and deterministically
        CliRun r = train(
                "--steps",
                "1000",
                "--eval-every",
                "5",
                "--stop-accuracy",
                "1e-9",
                "--stop-after-grok",
                "10",
                "--no-kafka",
                "--metrics-out",
                out.toString(),
                "--run",
                "grok-1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "run grok-1 GROKKED: val accuracy reached 1.0E-9 at step (\\d+); " + "stopped 10 steps later")
                .matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        long grok = Long.parseLong(m.group(1));
        List<StepRecord> steps = readSteps(out);
        assertThat(steps.get(steps.size() - 1).step()).isEqualTo(grok + 10);
        assertThat(steps.stream()
                        .filter(s -> s.step() == grok)
                        .findFirst()
                        .orElseThrow()
                        .valAcc())
                .isPositive();
    }

    @Test
    void progressRedrawsInPlaceOnATerminalAndKeepsWarningsReadable() {
        java.io.StringWriter sink = new java.io.StringWriter();
        io.grokwatch.cli.train.Progress p =
                new io.grokwatch.cli.train.Progress(new java.io.PrintWriter(sink), true, 10, Duration.ofSeconds(5));
        p.step(metrics(0));
        p.println("grokwatch: a warning");
        p.step(metrics(10)); // the last step is always drawn
        p.finish();
        String bar0 = io.grokwatch.cli.train.Progress.line(metrics(0), 10, 0);
        assertThat(sink.toString())
                .startsWith("\r" + bar0 + "\r" + " ".repeat(bar0.length()) + "\rgrokwatch: a warning"
                        + System.lineSeparator() + bar0 + "\rstep 10/10 100% |")
                .endsWith(System.lineSeparator());
        assertThat(io.grokwatch.cli.train.Progress.line(metrics(1000), 10_000, 100))
                .isEqualTo(
                        "step 1000/10000  10% | train loss 0.5000 acc  99.0% | val loss 2.000 acc  25.0% | 100 steps/s | ETA 1:30");
        assertThat(io.grokwatch.cli.train.Progress.line(metrics(0), 1_000_000, 100))
                .endsWith("ETA 2:46:40");
    }

    private static io.grokwatch.trainer.train.StepMetrics metrics(long step) {
        return new io.grokwatch.trainer.train.StepMetrics(step, 0.5, 0.99, 2.0, 0.25, 1, 0, 1, 0.01, 100, 0);
    }

    @Test
    void trainingMdDocumentsEveryFlagAndPreset() throws IOException {
        String doc = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "trainer", "TRAINING.md"));
        picocli.CommandLine train = Main.commandLine().getSubcommands().get("train");
        for (picocli.CommandLine.Model.OptionSpec o : train.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            for (String name : o.names()) {
                assertThat(doc.contains("`" + name) || doc.contains(name.replace("--", "--[no-]")))
                        .as("TRAINING.md documents %s", name)
                        .isTrue();
            }
        }
        for (String preset : io.grokwatch.trainer.train.Presets.names())
            assertThat(doc).contains("| `" + preset + "`");
    }

    @Test
    void badFlagsAreOneLineUsageErrorsNamingFlagAndValue() {
        Map<List<String>, String> cases = Map.of(
                List.of("--steps", "-5"), "--steps must be >= 0, got -5",
                List.of("--train-fraction", "1.5"), "--train-fraction must be in (0, 1), got 1.5",
                List.of("--p", "12"), "--p must be prime, got 12",
                List.of("--preset", "nope"),
                        "--preset must be one of simple-grokking, simple-comprehension, mlp97, mlp97-grokfast, nanda, power, demo, got 'nope'",
                List.of("--grokfast", "fast"), "--grokfast must be one of none, ema, ma, got 'fast'",
                List.of("--heads", "3"), "--d-model must be a positive multiple of heads",
                List.of("--checkpoint-every", "5"),
                        "--checkpoint-every and --checkpoint-keep need --checkpoint-dir DIR");
        cases.forEach((flags, message) -> {
            List<String> args = new ArrayList<>(List.of("train", "--no-kafka"));
            args.addAll(flags);
            if (flags.get(0).equals("--heads")) args.addAll(List.of("--model", "transformer", "--d-model", "8"));
            CliRun r = CliRun.grokwatch(args.toArray(String[]::new));
            assertThat(r.exitCode()).as("%s: %s", flags, r.err()).isEqualTo(2);
            assertThat(r.err())
                    .as("%s", flags)
                    .startsWith("grokwatch train: " + message)
                    .endsWith("Run 'grokwatch train --help' for usage.\n");
            assertThat(r.err().lines()).as("%s", flags).hasSize(1);
        });
    }

    @Test
    void resumeContinuesExactlyAndRefusesAChangedConfig() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        Path resumed = dir.resolve("resumed.jsonl");
        Path straight = dir.resolve("straight.jsonl");
        List<String> common = List.of("--batch-size", "16", "--grokfast", "ema", "--eval-every", "5", "--no-kafka");
        CliRun first = train(concat(
                common,
                "--steps",
                "30",
                "--checkpoint-dir",
                ckpt.toString(),
                "--checkpoint-every",
                "10",
                "--metrics-out",
                resumed.toString(),
                "--run",
                "part"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(new CheckpointDirectory(ckpt).list())
                .extracting(CheckpointDirectory::stepOf)
                .containsExactly(10L, 20L, 30L);
        assertThat(first.out())
                .contains("checkpoints: 3 written to " + ckpt + "; resume with --resume "
                        + ckpt.resolve("step-0000000030.ckpt"));

        CliRun changed = train("--resume", ckpt.toString(), "--steps", "50", "--lr", "0.5", "--no-kafka");
        assertThat(changed.exitCode()).as(changed.err()).isEqualTo(2);
        assertThat(changed.err())
                .contains("--resume " + ckpt + ": the checkpoint was written with a different config: "
                        + "lr: checkpoint 0.03, now 0.5");
        CliRun older =
                train("--resume", ckpt.resolve("step-0000000010.ckpt").toString(), "--steps", "50", "--no-kafka");
        assertThat(older.exitCode()).as(older.err()).isEqualTo(2);
        assertThat(older.err())
                .contains(ckpt + " already holds a later checkpoint (step-0000000030.ckpt); pass --checkpoint-dir");
        CliRun reused = train("--steps", "5", "--checkpoint-dir", ckpt.toString(), "--no-kafka");
        assertThat(reused.exitCode()).isEqualTo(2);
        assertThat(reused.err())
                .contains("--checkpoint-dir " + ckpt + " already holds checkpoints; pass --resume " + ckpt);

        // no preset flags: the checkpoint's config, its run id, and a longer budget
        CliRun second = CliRun.grokwatch(
                "train",
                "--resume",
                ckpt.toString(),
                "--steps",
                "50",
                "--no-kafka",
                "--metrics-out",
                resumed.toString(),
                "--progress-interval",
                "0");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out())
                .contains("grokwatch train: run part resumed at step 30 from " + ckpt)
                .containsPattern("run part COMPLETED: ran 50 steps \\(20 steps in");
        CliRun all = train(concat(common, "--steps", "50", "--metrics-out", straight.toString(), "--run", "part"));
        assertThat(all.exitCode()).as(all.err()).isZero();

        List<StepRecord> a = readSteps(resumed);
        List<StepRecord> b = readSteps(straight);
        assertThat(a)
                .extracting(StepRecord::step)
                .containsExactly(0L, 5L, 10L, 15L, 20L, 25L, 30L, 30L, 35L, 40L, 45L, 50L);
        for (StepRecord s : b) {
            StepRecord r = a.stream()
                    .filter(x -> x.step() == s.step())
                    .reduce((x, y) -> y)
                    .orElseThrow();
            assertThat(List.of(r.trainLoss(), r.trainAcc(), r.valLoss(), r.valAcc(), r.weightNorm(), r.gradNorm()))
                    .as("step %d", s.step())
                    .isEqualTo(List.of(
                            s.trainLoss(), s.trainAcc(), s.valLoss(), s.valAcc(), s.weightNorm(), s.gradNorm()));
        }
    }

    @Test
    void resumeUsesTheCheckpointsThreadCountAndWarnsWhenToldOtherwise() throws IOException {
        // Written on 1 thread, where an MLP's default is all cores; p 53's 1,685 training rows are enough for the MLP
        // to split a step over 2 threads, which sums its gradients in another grouping
        List<String> base = List.of(
                "train", "--preset", "simple-grokking", "--eval-every", "5", "--no-kafka", "--progress-interval", "0");
        Path ckpt = dir.resolve("ckpt2");
        CliRun first = CliRun.grokwatch(
                concat(base, "--threads", "1", "--steps", "20", "--checkpoint-dir", ckpt.toString(), "--run", "t1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path last = ckpt.resolve("step-0000000020.ckpt");

        Path resumed = dir.resolve("resumed2.jsonl");
        CliRun again = CliRun.grokwatch(
                "train",
                "--resume",
                last.toString(),
                "--steps",
                "40",
                "--no-kafka",
                "--metrics-out",
                resumed.toString(),
                "--progress-interval",
                "0",
                "--checkpoint-dir",
                dir.resolve("c2").toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).doesNotContain("differs from the checkpoint's");
        Path straight = dir.resolve("straight2.jsonl");
        CliRun all = CliRun.grokwatch(
                concat(base, "--threads", "1", "--steps", "40", "--metrics-out", straight.toString(), "--run", "t1"));
        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(lossesFrom(resumed, 25)).isEqualTo(lossesFrom(straight, 25));

        Path onTwo = dir.resolve("two.jsonl");
        CliRun other = CliRun.grokwatch(
                "train",
                "--resume",
                last.toString(),
                "--steps",
                "40",
                "--no-kafka",
                "--threads",
                "2",
                "--metrics-out",
                onTwo.toString(),
                "--progress-interval",
                "0",
                "--checkpoint-dir",
                dir.resolve("c1").toString());
        assertThat(other.exitCode()).as(other.err()).isZero();
        assertThat(other.err())
                .contains("grokwatch train: --threads 2 differs from the checkpoint's 1: the run continues, "
                        + "but not bit for bit as it would on 1");
        assertThat(lossesFrom(onTwo, 25)).isNotEqualTo(lossesFrom(straight, 25));
    }

    /** Train and val losses of the step records at or after {@code from}, in order. */
    private static List<Double> lossesFrom(Path file, long from) throws IOException {
        List<Double> out = new ArrayList<>();
        for (StepRecord s : readSteps(file)) {
            if (s.step() >= from) {
                out.add(s.trainLoss());
                out.add(s.valLoss());
            }
        }
        return out;
    }

    @Test
    void publishesRunStartedStepsAndRunFinishedToKafka() throws Exception {
        String run = "train-kafka-" + System.nanoTime();
        CliRun r = train(
                "--steps",
                "20",
                "--eval-every",
                "5",
                "--seed",
                "4",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--run",
                run);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Kafka: 7 records published, 7 delivered, 0 dropped, 0 failed");

        List<Event> runs = read(Topics.RUNS, run, evs -> evs.size() >= 2);
        assertThat(runs).hasSize(2);
        RunStarted started = (RunStarted) runs.get(0);
        assertThat(started.task()).isEqualTo("add");
        assertThat(started.model()).isEqualTo("mlp");
        assertThat(started.config())
                .containsEntry("p", 11)
                .containsEntry("seed", 4)
                .containsEntry("steps", 20)
                .containsEntry("hidden", List.of(16))
                .containsEntry("lr", 0.03);
        assertThat(started.provenance().seed()).isEqualTo(4);
        assertThat(started.provenance().splitHash()).hasSize(64);
        assertThat(started.provenance().backend()).contains("blas");
        RunFinished finished = (RunFinished) runs.get(1);
        assertThat(finished.status()).isEqualTo(RunFinished.Status.COMPLETED);
        assertThat(finished.lastStep()).isEqualTo(20);

        List<Event> steps = read(Topics.METRICS, run, evs -> evs.size() >= 5);
        assertThat(steps).extracting(e -> ((StepRecord) e).step()).containsExactly(0L, 5L, 10L, 15L, 20L);
    }

    @Test
    void stopAndCheckpointCommandsThroughGrokwatchControl() throws Exception {
        String run = "train-stop-" + System.nanoTime();
        Path ckpt = dir.resolve("ctl");
        CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(() -> train(
                "--steps",
                "100000000",
                "--eval-every",
                "50",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--run",
                run,
                "--checkpoint-dir",
                ckpt.toString(),
                "--checkpoint-every",
                "0"));
        read(Topics.METRICS, run, evs -> {
            if (running.isDone())
                fail("the run ended before any step was read: " + running.join().err());
            return !evs.isEmpty(); // training is under way
        });

        try (KafkaProducer<String, Event> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(),
                new EventSerde.EventSerializer())) {
            send(
                    p,
                    new ControlCommand(
                            run, "ckpt-1", ControlCommand.Command.CHECKPOINT, System.currentTimeMillis(), "test"));
            await("a checkpoint for ckpt-1", () -> !listQuietly(ckpt).isEmpty());
            send(
                    p,
                    new ControlCommand(
                            run, "stop-1", ControlCommand.Command.STOP, System.currentTimeMillis(), "enough"));
        }
        CliRun r = running.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err())
                .containsPattern(
                        "grokwatch: checkpoint of step [0-9]+ written to .*step-[0-9]{10}\\.ckpt \\(CHECKPOINT command ckpt-1\\)")
                .contains("grokwatch: STOP command stop-1 (enough): stopping after this step");
        assertThat(r.out())
                .containsPattern("run " + run + " STOPPED: stop command stop-1 \\(enough\\) at step [0-9]+")
                .contains("checkpoints: 2 written to " + ckpt);

        List<Event> runs = read(Topics.RUNS, run, evs -> evs.size() >= 2);
        RunFinished finished = (RunFinished) runs.get(1);
        assertThat(finished.status()).isEqualTo(RunFinished.Status.STOPPED);
        assertThat(finished.reason()).isEqualTo("stop command stop-1: enough");
        List<Path> files = new CheckpointDirectory(ckpt).list();
        assertThat(files).hasSize(2);
        assertThat(CheckpointDirectory.stepOf(files.get(1)))
                .isEqualTo(finished.lastStep()); // the final checkpoint is where it stopped
    }

    @Test
    void aBrokerThatIsDownDoesNotStopTraining() throws Exception {
        String servers;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            servers = "127.0.0.1:" + s.getLocalPort(); // nobody listens there once closed
        }
        Path out = dir.resolve("down.jsonl");
        CliRun r = train(
                "--steps", "30", "--eval-every", "10", "--bootstrap-servers", servers, "--metrics-out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(readSteps(out)).hasSize(4);
        assertThat(r.out())
                .containsPattern("COMPLETED: ran 30 steps")
                .containsPattern("Kafka: 6 records published, 0 delivered, 0 dropped, 6 failed");
        assertThat(r.err())
                .contains("grokwatch: closed the Kafka publisher (" + servers + ") with 6 of 6 records not delivered");
    }

    @Test
    void aBrokerThatIsDownIsReportedByGrokwatchNotByEveryClientRetry() throws Exception {
        String servers;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            servers = "127.0.0.1:" + s.getLocalPort();
        }
        // its own JVM: slf4j-simple's levels are per JVM and fixed when a logger is first made
        Path stderr = dir.resolve("stderr.txt");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(TINY);
        cmd.addAll(List.of("--steps", "30", "--eval-every", "10", "--bootstrap-servers", servers));
        Process p = new ProcessBuilder(cmd)
                .redirectError(stderr.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("train finished").isTrue();
        String err = Files.readString(stderr);
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(err)
                .contains("grokwatch: closed the Kafka publisher (" + servers + ") with 6 of 6 records not delivered")
                .doesNotContain("NetworkClient");
    }

    // ---------------------------------------------------------------- helpers

    private static String[] concat(List<String> a, String... b) {
        return Stream.concat(a.stream(), Stream.of(b)).toArray(String[]::new);
    }

    private static List<StepRecord> readSteps(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .map(l -> (StepRecord) EventCodec.decode(l))
                .toList();
    }

    private static List<Path> listQuietly(Path ckpt) {
        try {
            return new CheckpointDirectory(ckpt).list();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void send(KafkaProducer<String, Event> p, ControlCommand c) throws Exception {
        p.send(new ProducerRecord<>(Topics.CONTROL, c.run(), c)).get();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + WAIT + " waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** The events of {@code run} on {@code topic}, read from the beginning until {@code enough} holds (fails after WAIT). */
    private static List<Event> read(String topic, String run, Predicate<List<Event>> enough) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!enough.test(out)) {
                if (System.nanoTime() > deadline)
                    fail("read " + out.size() + " records of " + run + " from " + topic + " within " + WAIT);
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (run.equals(r.key())) out.add(EventCodec.decode(r.value()));
                }
            }
            return out;
        }
    }
}
