package io.grokwatch.cli;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch broker}: a single-node Kafka with the grokwatch topics, until Ctrl-C. */
@Command(name = "broker",
    description = {
        "Runs a single-node Kafka broker (KRaft) on 127.0.0.1 with the grokwatch topics until "
            + "Ctrl-C, then frees its ports.",
        "Other grokwatch commands reach it with --bootstrap-servers 127.0.0.1:PORT."})
public final class BrokerCommand implements Callable<Integer> {
  /** How long a Ctrl-C waits for the broker to shut down before the JVM exits anyway. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
      description = "Client port on 127.0.0.1; 0 picks a free one.")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where Kafka keeps its data, kept across runs "
          + "(default: a temporary directory removed on exit).")
  Path dataDir;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
      description = "Partitions of each grokwatch topic.")
  int partitions;

  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile String bootstrapServers;

  @Override
  public Integer call() {
    validate();
    EmbeddedKafka.Builder config = EmbeddedKafka.builder().port(port).partitions(partitions);
    if (dataDir != null) {
      config.dataDir(dataDir);
    }
    PrintWriter out = spec.commandLine().getOut();
    Thread onCtrlC = new Thread(this::stopAndAwait, "grokwatch-broker-shutdown");
    boolean interrupted = false;
    try {
      try (EmbeddedKafka kafka = config.build()) {
        out.println("starting Kafka on 127.0.0.1:" + (port == 0 ? "<free port>" : port) + " ...");
        out.flush();
        kafka.start();
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        bootstrapServers = kafka.bootstrapServers();
        out.println("Kafka ready: --bootstrap-servers " + bootstrapServers);
        out.println("  data:   " + kafka.dataDir() + (dataDir == null ? " (temporary, removed on exit)" : ""));
        out.println("  topics: " + String.join(", ", Topics.ALL) + " (" + partitions + " partitions each)");
        out.println("Press Ctrl-C to stop.");
        out.flush();
        ready.countDown();
        try {
          stopRequested.await();
        } catch (InterruptedException e) {
          interrupted = true; // an interrupt is a stop request; Kafka's shutdown must not see it
        }
        out.println("stopping Kafka ...");
        out.flush();
      }
      out.println("Kafka stopped; port " + port() + " is free.");
      out.flush();
    } finally {
      // Only now may a Ctrl-C hook return and let the JVM exit.
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException | IllegalArgumentException notRemovable) {
        // Ctrl-C: the hook is running. Failed start: it was never added.
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private int port() {
    String s = bootstrapServers;
    return s == null ? port : Integer.parseInt(s.substring(s.lastIndexOf(':') + 1));
  }

  private void validate() {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be in 0..65535, was " + port);
    }
    if (partitions < 1) {
      throw new ParameterException(spec.commandLine(), "--partitions must be >= 1, was " + partitions);
    }
  }

  /** Asks a running broker command to stop; {@link #call()} then returns 0. For tests and hooks. */
  void requestStop() {
    stopRequested.countDown();
  }

  /** Waits until the broker serves; returns its bootstrap address, or null on timeout. */
  String awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? bootstrapServers : null;
  }

  private void stopAndAwait() {
    requestStop();
    try {
      stopped.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
