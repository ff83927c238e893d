package io.grokwatch.cli.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.cli.Main;
import io.grokwatch.events.Event;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.trainer.checkpoint.CheckpointDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two {@code grokwatch worker} JVMs share a sweep's jobs; one is killed with SIGKILL in the middle of a job. The other
 * takes the job over from the killed worker's last checkpoint, and the sweep completes with every point run once.
 */
class WorkerKillTest {
    private static final Duration WAIT = Duration.ofMinutes(4);

    @TempDir
    Path dir;

    private final List<Process> workers = new ArrayList<>();

    @AfterEach
    void stopWorkers() {
        workers.forEach(Process::destroyForcibly);
    }

    @Test
    void aKilledWorkersJobResumesOnTheOtherAndEveryPointRunsOnce() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start()) {
            String servers = kafka.bootstrapServers();
            Path ckpt = dir.resolve("ckpt");
            Path logA = dir.resolve("a.log");
            Path logB = dir.resolve("b.log");
            Process a = worker(servers, ckpt, "wA", logA);
            Process b = worker(servers, ckpt, "wB", logB);
            await(
                    "both workers up",
                    () -> read(logA).contains("grokwatch worker wA:")
                            && read(logB).contains("grokwatch worker wB:"));

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> sweep = CompletableFuture.supplyAsync(() -> {
                CommandLine cl = Main.commandLine();
                cl.setOut(new PrintWriter(out, true));
                cl.setErr(new PrintWriter(err, true));
                return cl.execute(
                        "sweep",
                        "--bootstrap-servers",
                        servers,
                        "--grid",
                        "weight-decay=0.3,1",
                        "--grid",
                        "train-fraction=0.5,0.7",
                        "--set",
                        "p=23",
                        "--set",
                        "hidden=32",
                        "--steps",
                        "3000",
                        "--report-dir",
                        dir.resolve("report").toString());
            });

            // kill the worker that first has a job under way with a checkpoint of it on the shared storage: which one
            // gets jobs depends on the partitions the group gave it and on the jobs' keys, so either may be the one
            String[] victim = new String[1];
            Process[] killed = new Process[1];
            Path[] survivor = new Path[1];
            await("a job under way with a checkpoint", () -> {
                for (int w = 0; w < 2; w++) {
                    Path log = w == 0 ? logA : logB;
                    String text = read(log);
                    Matcher m = Pattern.compile("job (\\S+): started").matcher(text);
                    while (m.find()) {
                        String run = m.group(1);
                        if (!text.contains("job " + run + ": COMPLETED") && hasCheckpoint(ckpt.resolve(run))) {
                            victim[0] = run;
                            killed[0] = w == 0 ? a : b;
                            survivor[0] = w == 0 ? logB : logA;
                            return true;
                        }
                    }
                }
                return false;
            });
            killed[0].destroyForcibly(); // SIGKILL: no shutdown hook, no hand-over, no commit
            assertThat(killed[0].waitFor(30, TimeUnit.SECONDS)).isTrue();
            String run = victim[0];

            int code = sweep.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(code).as(err.toString()).isZero();
            String bLog = read(survivor[0]);
            assertThat(bLog)
                    .containsPattern("job " + Pattern.quote(run) + ": started from its checkpoint at step [1-9]");

            // every point exactly once in the sweep's table, each run finished once on grokwatch.runs
            List<String> rows = out.toString()
                    .lines()
                    .filter(l -> l.startsWith("sw-simple-grokking-"))
                    .toList();
            assertThat(rows).hasSize(4);
            assertThat(rows.stream().map(l -> l.split("\\s+")[0]).distinct()).hasSize(4);
            assertThat(rows).allSatisfy(l -> assertThat(l).endsWith("COMPLETED"));
            String sweepId = rows.get(0).split("\\s+")[0].replaceAll("-\\d+$", "");
            Topic topics = new Topic(servers);
            List<Event> runs = topics.readAll(Topics.RUNS, k -> k.startsWith(sweepId + "-"));
            Map<String, Long> finishedPerRun = runs.stream()
                    .filter(e -> e instanceof RunFinished)
                    .collect(Collectors.groupingBy(Event::run, TreeMap::new, Collectors.counting()));
            assertThat(finishedPerRun)
                    .hasSize(4)
                    .allSatisfy((r, n) -> assertThat(n).as(r).isEqualTo(1L));
            // and once each in the sweep's report, which the sweep wrote at its end
            JsonNode report = new ObjectMapper()
                    .readTree(dir.resolve("report").resolve("sweep.json").toFile());
            List<String> reported = new ArrayList<>();
            report.get("runs").forEach(r -> reported.add(r.get("run").asText()));
            assertThat(reported).hasSize(4).doesNotHaveDuplicates().contains(run);
            assertThat(report.get("cells")).hasSize(4);
            report.get("runs").forEach(r -> assertThat(r.get("status").asText()).isEqualTo("completed"));
            // the taken-over run's steps reach the budget without a gap
            TreeSet<Long> steps = topics.readAll(Topics.METRICS, run::equals).stream()
                    .map(e -> ((StepRecord) e).step())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(steps.last()).isEqualTo(3000L);
            assertThat(steps).hasSize(3000 / 10 + 1);
        }
    }

    private Process worker(String servers, Path ckpt, String name, Path log) throws IOException {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "worker",
                "--bootstrap-servers",
                servers,
                "--slots",
                "1",
                "--threads",
                "1",
                "--checkpoint-dir",
                ckpt.toString(),
                "--checkpoint-every",
                "200",
                "--name",
                name,
                "--progress-interval",
                "5");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        workers.add(p);
        return p;
    }

    private static boolean hasCheckpoint(Path dir) {
        try {
            return Files.isDirectory(dir)
                    && !new CheckpointDirectory(dir).list().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n--- a\n" + read(dir.resolve("a.log"))
                        + "\n--- b\n" + read(dir.resolve("b.log")));
            }
            Thread.sleep(100);
        }
    }
}
