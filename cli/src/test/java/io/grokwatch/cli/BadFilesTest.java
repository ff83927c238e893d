package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad files to every command that reads recorded runs: each is reported on one line naming the file and the line,
 * and nothing half-written is left behind. classify and ingest skip a bad line and say so; report, policies and
 * forecast-eval refuse the file.
 */
class BadFilesTest {
    private static final Path GOOD =
            Path.of("..", "bench", "runs", "heldout-simple-grokking-10", "heldout-s1-wd0.1-f0.6.jsonl");

    @TempDir
    Path dir;

    /** Bad file name -> what its 6th line is. */
    private final Map<String, byte[]> badLines = new java.util.LinkedHashMap<>();

    @BeforeEach
    void badLines() {
        badLines.put("truncated", utf8("{\"type\":\"step\",\"v\":1,\"run\":\"heldout-s1-wd0.1-f0.6\",\"step\":"));
        badLines.put(
                "wrong-type",
                utf8("{\"type\":\"step\",\"v\":1,\"run\":\"heldout-s1-wd0.1-f0.6\",\"step\":\"ten\","
                        + "\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":1,\"valAcc\":0.5}"));
        badLines.put(
                "nan-accuracy",
                utf8("{\"type\":\"step\",\"v\":1,\"run\":\"heldout-s1-wd0.1-f0.6\",\"step\":55,"
                        + "\"trainLoss\":1,\"trainAcc\":NaN,\"valLoss\":1,\"valAcc\":0.5}"));
        badLines.put("oversized", utf8("{\"type\":\"step\",\"v\":1,\"run\":\"" + "r".repeat(300_000) + "\"}"));
        byte[] random = new byte[300];
        new SplittableRandom(7).nextBytes(random);
        for (int i = 0; i < random.length; i++) if (random[i] == '\n') random[i] = (byte) 0xff; // one line
        random[0] = (byte) 0xc3; // not UTF-8 whatever follows: a lone lead byte then 0x28
        random[1] = 0x28;
        badLines.put("random-bytes", random);
    }

    @Test
    void eachCommandNamesFileAndLineOnOneLine() throws Exception {
        for (Map.Entry<String, byte[]> bad : badLines.entrySet()) {
            Path file = withBadSixthLine(bad.getKey(), bad.getValue());
            String where = file + ":6: ";

            CliRun classify = CliRun.grokwatch("classify", file.toString());
            assertThat(classify.exitCode())
                    .as(bad.getKey() + ": " + classify.err())
                    .isZero();
            assertThat(classify.err().lines().filter(l -> l.contains(where)).count())
                    .as(bad.getKey() + " classify: " + classify.err())
                    .isEqualTo(1);

            Path html = dir.resolve(bad.getKey() + ".html");
            CliRun report = CliRun.grokwatch("report", file.toString(), "-o", html.toString());
            assertOneLine(bad.getKey() + " report", report, 1, "grokwatch report: " + where);
            assertThat(html).as("no half-written report").doesNotExist();
            try (Stream<Path> left = Files.list(dir)) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".report-"));
            }

            Path policyReport = dir.resolve(bad.getKey() + "-policies.html");
            CliRun policies = CliRun.grokwatch("policies", file.toString(), "--report", policyReport.toString());
            assertOneLine(bad.getKey() + " policies", policies, 2, "grokwatch policies: " + where);
            assertThat(policyReport).doesNotExist();

            CliRun eval = CliRun.grokwatch("forecast-eval", file.toString());
            assertOneLine(bad.getKey() + " forecast-eval", eval, 2, "grokwatch forecast-eval: " + where);
        }
    }

    @Test
    void ingestSkipsABadLineNamingItAndABrokerThatIsDownIsOneLineWithinSeconds() throws Exception {
        Path file = withBadSixthLine("random-bytes", badLines.get("random-bytes"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long start = System.nanoTime();
        CliRun down = CliRun.grokwatch("ingest", file.toString(), "--bootstrap-servers", "127.0.0.1:" + port);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertOneLine(
                "ingest, broker down",
                down,
                1,
                "grokwatch ingest: Kafka at 127.0.0.1:" + port + " did not answer within 5 s, so could not publish "
                        + file + "; is the broker running?");
        assertThat(seconds).as("reported soon").isLessThan(15);

        try (var kafka = io.grokwatch.broker.EmbeddedKafka.builder()
                .partitions(1)
                .build()
                .start()) {
            CliRun up = CliRun.grokwatch("ingest", file.toString(), "--bootstrap-servers", kafka.bootstrapServers());
            assertThat(up.exitCode()).as(up.err()).isZero();
            assertThat(up.err()).contains(file + ":6: not UTF-8 text").contains("; skipped");
            assertThat(up.out()).contains("ingested 500 step records").contains("1 bad lines skipped");
        }
    }

    @Test
    void anEmptyFileIsOneLineForEveryCommand() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        for (String command : List.of("classify", "report", "policies", "forecast-eval")) {
            CliRun r = CliRun.grokwatch(command, empty.toString());
            assertThat(r.exitCode()).as(command).isNotZero();
            assertThat(r.err().lines()).as(command + ": " + r.err()).hasSize(1);
            assertThat(r.err())
                    .as(command)
                    .startsWith("grokwatch " + command + ": ")
                    .contains(empty.toString());
        }
    }

    private static void assertOneLine(String what, CliRun r, int exit, String start) {
        assertThat(r.exitCode()).as(what + ": " + r.err()).isEqualTo(exit);
        assertThat(r.out()).as(what).isEmpty();
        assertThat(r.err().lines()).as(what + ": " + r.err()).hasSize(1);
        assertThat(r.err()).as(what).startsWith(start);
    }

    /** The good run with its 6th line replaced. */
    private Path withBadSixthLine(String name, byte[] line) throws Exception {
        List<byte[]> lines = new ArrayList<>();
        for (String l : Files.readAllLines(GOOD)) lines.add(utf8(l));
        lines.set(5, line);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.write(l);
            out.write('\n');
        }
        return Files.write(dir.resolve(name + ".jsonl"), out.toByteArray());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
