package io.grokwatch.cli;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
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

    @Option(
            names = "--sasl",
            description = "Clients must log in: SCRAM-SHA-512 over SASL_PLAINTEXT, as --sasl-user. The password comes"
                    + " from --client-config when that file exists (a restart on the same --data-dir needs the same"
                    + " one), else a random one is generated and the file written: pass it to every other command"
                    + " as --kafka-config.")
    boolean sasl;

    @Option(
            names = "--sasl-user",
            paramLabel = "NAME",
            defaultValue = "grokwatch",
            description = "The SASL user. Default: ${DEFAULT-VALUE}")
    String saslUser;

    @Option(
            names = "--client-config",
            paramLabel = "FILE",
            description = "With --sasl: the clients' Kafka properties (bootstrap.servers, security.protocol,"
                    + " sasl.mechanism, sasl.jaas.config), read for the password if it exists, written (owner-only)"
                    + " if not.")
    Path clientConfig;

    private final ServeUntilInterrupted serving = new ServeUntilInterrupted("broker", SHUTDOWN_GRACE);
    private volatile String bootstrapServers;

    @Override
    public Integer call() throws Exception {
        validate();
        EmbeddedKafka.Builder config = EmbeddedKafka.builder().port(port).partitions(partitions);
        String password = sasl ? saslPassword() : null;
        if (sasl) {
            try {
                config.sasl(saslUser, password);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--sasl: " + e.getMessage());
            }
        }
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
                    if (sasl) {
                        writeClientConfig(kafka);
                        out.println(
                                "  SASL:   SCRAM-SHA-512 as " + saslUser + "; clients: --kafka-config " + clientConfig);
                    }
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

    private static final java.util.regex.Pattern PASSWORD = java.util.regex.Pattern.compile("password=\"([^\"]*)\"");

    /** The password in an existing --client-config, or a new random one. */
    private String saslPassword() throws java.io.IOException {
        if (java.nio.file.Files.exists(clientConfig)) {
            Properties p = new Properties();
            try (var in = java.nio.file.Files.newBufferedReader(clientConfig)) {
                p.load(in);
            }
            java.util.regex.Matcher m = PASSWORD.matcher(p.getProperty("sasl.jaas.config", ""));
            if (!m.find())
                throw new ParameterException(
                        spec.commandLine(),
                        "--client-config " + clientConfig
                                + ": no password=\"...\" in its sasl.jaas.config; remove the file to have a new one written");
            return m.group(1);
        }
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Writes the clients' properties, readable by the owner only, unless the file is there already. */
    private void writeClientConfig(EmbeddedKafka kafka) {
        try {
            Path target = clientConfig.toAbsolutePath();
            Properties p = kafka.clientProperties();
            if (java.nio.file.Files.exists(target)) {
                Properties old = new Properties();
                try (var in = java.nio.file.Files.newBufferedReader(target)) {
                    old.load(in);
                }
                if (old.equals(p)) return;
            }
            Path tmp = java.nio.file.Files.createTempFile(target.getParent(), ".client-", ".properties.tmp");
            try {
                java.nio.file.Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                try (var w = java.nio.file.Files.newBufferedWriter(tmp)) {
                    p.store(w, "grokwatch broker --sasl: pass this file to clients as --kafka-config");
                }
                java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(
                    "cannot write --client-config " + clientConfig + ": " + e.getMessage(), e);
        }
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
        if (sasl && clientConfig == null) {
            throw new ParameterException(
                    spec.commandLine(), "--sasl needs --client-config FILE, where the clients' login is kept");
        }
        if (!sasl && clientConfig != null) {
            throw new ParameterException(spec.commandLine(), "--client-config goes with --sasl");
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
