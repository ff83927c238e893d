package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code grokwatch broker} on a thread, uses it through KafkaOptions, and stops it. */
class BrokerCommandTest {
  @TempDir Path dir;

  /** A broker command running on its own thread, with its output captured. */
  private static final class Running {
    final CommandLine cl = Main.commandLine();
    final BrokerCommand command = cl.getSubcommands().get("broker").getCommand();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger exitCode = new AtomicInteger(-1);
    final Thread thread;

    Running(String... args) {
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      thread = new Thread(() -> exitCode.set(cl.execute(args)), "broker-command-under-test");
      thread.start();
    }

    String awaitReady() throws InterruptedException {
      String address = command.awaitReady(Duration.ofSeconds(60));
      assertThat(address).as("broker ready; stderr: %s", err).isNotNull();
      return address;
    }

    void awaitExit() throws InterruptedException {
      thread.join(Duration.ofSeconds(60).toMillis());
      assertThat(thread.isAlive()).as("broker command still running; stderr: %s", err).isFalse();
    }
  }

  @Test
  void servesUntilStoppedThenFreesItsPortAndTemporaryData() throws Exception {
    Running broker = new Running("broker", "--port", "0", "--partitions", "2");
    String address = broker.awaitReady();
    assertThat(broker.out.toString()).contains("Kafka ready: --bootstrap-servers " + address);

    // A service command would build its clients from KafkaOptions exactly like this.
    Path clientConfig = Files.writeString(dir.resolve("client.properties"), "client.id=broker-command-test\n");
    KafkaOptions options = parseKafkaOptions("--bootstrap-servers", address, "--kafka-config", clientConfig.toString());
    try (Admin admin = Admin.create(options.clientProperties())) {
      Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get();
      assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(2));
    }

    Path dataDir = Path.of(broker.out.toString().lines()
        .filter(l -> l.startsWith("  data:")).findFirst().orElseThrow()
        .replaceFirst("^  data:\\s+", "").replace(" (temporary, removed on exit)", ""));
    assertThat(dataDir).isDirectory();

    broker.command.requestStop();
    broker.awaitExit();
    assertThat(broker.exitCode.get()).isZero();
    assertPortFree(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
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
    Running broker = new Running("broker", "--port", Integer.toString(port), "--data-dir", dataDir.toString());
    assertThat(broker.awaitReady()).isEqualTo("127.0.0.1:" + port);

    broker.thread.interrupt();
    broker.awaitExit();
    assertThat(broker.exitCode.get()).isZero();
    assertPortFree(port);
    assertThat(dataDir.resolve("meta.properties")).exists();
  }

  private static KafkaOptions parseKafkaOptions(String... args) {
    KafkaOptionsTest.Probe probe = new KafkaOptionsTest.Probe();
    new CommandLine(probe).parseArgs(args);
    return probe.kafka;
  }

  private static void assertPortFree(int port) throws IOException {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }
}
