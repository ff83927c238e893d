package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Topics;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code grokwatch broker} on a thread, uses it through KafkaOptions, and stops it. */
class BrokerCommandTest {
    @TempDir
    Path dir;

    private static String awaitReady(RunningCommand<BrokerCommand> broker) throws InterruptedException {
        String address = broker.command.awaitReady(Duration.ofSeconds(60));
        assertThat(address).as("broker ready; stderr: %s", broker.err).isNotNull();
        return address;
    }

    @Test
    void servesUntilStoppedThenFreesItsPortAndTemporaryData() throws Exception {
        RunningCommand<BrokerCommand> broker = new RunningCommand<>("broker", "--port", "0", "--partitions", "2");
        String address = awaitReady(broker);
        assertThat(broker.out.toString()).contains("Kafka ready: --bootstrap-servers " + address);

        // A service command would build its clients from KafkaOptions exactly like this.
        Path clientConfig = Files.writeString(dir.resolve("client.properties"), "client.id=broker-command-test\n");
        KafkaOptions options =
                parseKafkaOptions("--bootstrap-servers", address, "--kafka-config", clientConfig.toString());
        try (Admin admin = Admin.create(options.clientProperties())) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(Topics.ALL).allTopicNames().get();
            assertThat(topics.values())
                    .allSatisfy(t -> assertThat(t.partitions())
                            .hasSize(t.name().equals(Topics.JOBS) ? Topics.JOBS_PARTITIONS : 2));
        }

        Path dataDir = Path.of(broker.out
                .toString()
                .lines()
                .filter(l -> l.startsWith("  data:"))
                .findFirst()
                .orElseThrow()
                .replaceFirst("^  data:\\s+", "")
                .replace(" (temporary, removed on exit)", ""));
        assertThat(dataDir).isDirectory();

        broker.command.requestStop();
        broker.awaitExit(Duration.ofSeconds(60));
        assertThat(broker.exitCode.get()).isZero();
        RunningCommand.assertPortFree(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        assertThat(Files.exists(dataDir)).as("temporary data dir removed").isFalse();
        assertThat(broker.out.toString()).contains("Kafka stopped; port ");
    }

    @Test
    void anInterruptStopsItAndAGivenDataDirIsKept() throws Exception {
        Path dataDir = dir.resolve("kafka-data");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        RunningCommand<BrokerCommand> broker =
                new RunningCommand<>("broker", "--port", Integer.toString(port), "--data-dir", dataDir.toString());
        assertThat(awaitReady(broker)).isEqualTo("127.0.0.1:" + port);

        broker.thread.interrupt();
        broker.awaitExit(Duration.ofSeconds(60));
        assertThat(broker.exitCode.get()).isZero();
        RunningCommand.assertPortFree(port);
        assertThat(dataDir.resolve("meta.properties")).exists();
    }

    private static KafkaOptions parseKafkaOptions(String... args) {
        KafkaOptionsTest.Probe probe = new KafkaOptionsTest.Probe();
        new CommandLine(probe).parseArgs(args);
        return probe.kafka;
    }
}
