package io.grokwatch.cli;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch broker}: a single-node Kafka with the grokwatch topics, until Ctrl-C. */
@Command(
        name = "broker",
        description = {
            "Runs a single-node Kafka broker (KRaft) on 127.0.0.1 with the grokwatch topics until "
                    + "Ctrl-C, then frees its ports.",
            "Other grokwatch commands reach it with --bootstrap-servers 127.0.0.1:PORT."
        })
public final class BrokerCommand implements Callable<Integer> {
    /** How long a Ctrl-C waits for the broker to shut down before the JVM exits anyway. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "9092",
            description = "Client port on 127.0.0.1; 0 picks a free one.")
    int port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where Kafka keeps its data, kept across runs "
                    + "(default: a temporary directory removed on exit).")
    Path dataDir;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "3",
            description = "Partitions of each grokwatch topic.")
    int partitions;

    private final ServeUntilInterrupted serving = new ServeUntilInterrupted("broker", SHUTDOWN_GRACE);
    private volatile String bootstrapServers;

    @Override
    public Integer call() throws Exception {
        validate();
        EmbeddedKafka.Builder config = EmbeddedKafka.builder().port(port).partitions(partitions);
        if (dataDir != null) {
            config.dataDir(dataDir);
        }
        PrintWriter out = spec.commandLine().getOut();
        serving.serve(
                config::build,
                kafka -> {
                    out.println("starting Kafka on 127.0.0.1:" + (port == 0 ? "<free port>" : port) + " ...");
                    out.flush();
                    kafka.start();
                },
                kafka -> {
                    bootstrapServers = kafka.bootstrapServers();
                    out.println("Kafka ready: --bootstrap-servers " + bootstrapServers);
                    out.println(
                            "  data:   " + kafka.dataDir() + (dataDir == null ? " (temporary, removed on exit)" : ""));
                    out.println("  topics: " + String.join(", ", Topics.ALL) + " (" + partitions + " partitions each, "
                            + Topics.JOBS + " at least " + Topics.JOBS_PARTITIONS + ")");
                    out.println("Press Ctrl-C to stop.");
                    out.flush();
                    serving.ready();
                    serving.awaitStop();
                    out.println("stopping Kafka ...");
                    out.flush();
                },
                () -> {
                    out.println("Kafka stopped; port " + port() + " is free.");
                    out.flush();
                });
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
        serving.requestStop();
    }

    /** Waits until the broker serves; returns its bootstrap address, or null on timeout. */
    String awaitReady(Duration timeout) throws InterruptedException {
        return serving.awaitReady(timeout) ? bootstrapServers : null;
    }
}
