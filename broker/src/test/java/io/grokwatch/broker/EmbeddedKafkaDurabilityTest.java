package io.grokwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records written with acks=all survive a broker restart and read back in order from another JVM. */
class EmbeddedKafkaDurabilityTest {
    private static final int RECORDS = 10_000;
    private static final int RUNS = 5;

    @TempDir
    Path dataDir;

    @TempDir
    Path work;

    /** One line printed by {@link RecordDumpMain}. */
    record Line(int partition, long offset, String key, int value) {
        static Line parse(String s) {
            String[] f = s.split(" ");
            return new Line(Integer.parseInt(f[0]), Long.parseLong(f[1]), f[2], Integer.parseInt(f[3]));
        }
    }

    @Test
    void tenThousandRecordsAreReadInOrderByAnotherProcessAndSurviveARestart() throws Exception {
        List<Line> firstRead;
        int port;
        int controllerPort;
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().dataDir(dataDir).partitions(3).build().start()) {
            port = kafka.port();
            controllerPort = kafka.controllerPort();
            produce(kafka.bootstrapServers());
            firstRead = readInChildJvm(kafka.bootstrapServers(), "first");
        }
        assertRunsInOrder(firstRead);
        assertPortFree(port);
        assertPortFree(controllerPort);
        assertThat(dataDir.resolve("meta.properties"))
                .as("a given data dir survives close()")
                .exists();

        try (EmbeddedKafka again =
                EmbeddedKafka.builder().dataDir(dataDir).partitions(3).build().start()) {
            List<Line> secondRead = readInChildJvm(again.bootstrapServers(), "second");
            assertThat(secondRead)
                    .as("the same records at the same offsets after a restart")
                    .containsExactlyInAnyOrderElementsOf(firstRead);
            assertRunsInOrder(secondRead);
        }
    }

    private static void produce(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<Future<RecordMetadata>> acks = new ArrayList<>(RECORDS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(Topics.METRICS, "run-" + (i % RUNS), Integer.toString(i))));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> ack : acks) {
            assertThat(ack.get(10, TimeUnit.SECONDS).hasOffset()).isTrue();
        }
    }

    /** Runs {@link RecordDumpMain} in a fresh JVM with this test's classpath and parses its output. */
    private List<Line> readInChildJvm(String bootstrap, String label) throws Exception {
        Path out = work.resolve(label + ".out");
        Path err = work.resolve(label + ".err");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        RecordDumpMain.class.getName(),
                        bootstrap,
                        Topics.METRICS,
                        Integer.toString(RECORDS),
                        "60000")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = child.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(exited).as("child consumer exited; stderr:%n%s", stderr).isTrue();
        assertThat(child.exitValue())
                .as("child consumer exit code; stderr:%n%s", stderr)
                .isZero();
        return Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                .map(Line::parse)
                .toList();
    }

    /** Every value once; each run on one partition, with its values in the order they were sent. */
    private static void assertRunsInOrder(List<Line> lines) {
        assertThat(lines).hasSize(RECORDS);
        assertThat(lines.stream().mapToInt(Line::value).sorted().toArray())
                .isEqualTo(java.util.stream.IntStream.range(0, RECORDS).toArray());
        Map<String, Integer> partitionOfRun = new HashMap<>();
        Map<String, Integer> lastValueOfRun = new HashMap<>();
        Map<Integer, Long> lastOffsetOfPartition = new HashMap<>();
        for (Line line : lines) {
            assertThat(line.key()).isEqualTo("run-" + (line.value() % RUNS));
            assertThat(partitionOfRun.computeIfAbsent(line.key(), k -> line.partition()))
                    .as("partition of %s", line.key())
                    .isEqualTo(line.partition());
            assertThat(line.value())
                    .as("value after %s in %s", lastValueOfRun.get(line.key()), line.key())
                    .isGreaterThan(lastValueOfRun.getOrDefault(line.key(), -1));
            assertThat(line.offset()).isGreaterThan(lastOffsetOfPartition.getOrDefault(line.partition(), -1L));
            lastValueOfRun.put(line.key(), line.value());
            lastOffsetOfPartition.put(line.partition(), line.offset());
        }
    }

    static void assertPortFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }
}
