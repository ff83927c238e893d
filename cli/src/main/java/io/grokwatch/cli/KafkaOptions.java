package io.grokwatch.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How a service command reaches Kafka; mix it into a command with {@code @Mixin KafkaOptions
 * kafka;} and build clients from {@link #clientProperties()}.
 *
 * <p>{@code --kafka-config FILE} is a Kafka client properties file passed to the clients as it
 * is, so SASL and TLS are configured exactly as for Kafka's own tools. The bootstrap servers
 * come from {@code --bootstrap-servers} if given, else from the file's {@code
 * bootstrap.servers}, else {@value #DEFAULT_BOOTSTRAP_SERVERS}. The file is read while the
 * command line is parsed, so a missing or unreadable file is a usage error (exit 2).
 */
public final class KafkaOptions {
    /** Where {@code grokwatch broker} listens by default. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

    private static final String BOOTSTRAP_KEY = "bootstrap.servers";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private String bootstrapServers;
    private Path configFile;
    private Properties fileProperties = new Properties();

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers to connect to (default: bootstrap.servers from --kafka-config, " + "else "
                    + DEFAULT_BOOTSTRAP_SERVERS + ").")
    void setBootstrapServers(String value) {
        if (value == null) {
            bootstrapServers = null;
            return;
        }
        if (value.isBlank()) {
            throw new ParameterException(mixee.commandLine(), "--bootstrap-servers must not be empty");
        }
        bootstrapServers = value.strip();
    }

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*, ...) passed "
                    + "straight to the clients, as for Kafka's own tools.")
    void setKafkaConfig(Path file) {
        if (file == null) {
            configFile = null;
            fileProperties = new Properties();
            return;
        }
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--kafka-config " + file + ": no such file; pass a Kafka client properties file");
        }
        Properties loaded = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            loaded.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--kafka-config " + file + ": cannot read it (" + OneLine.describe(e)
                            + "); pass a readable Kafka client properties file");
        }
        configFile = file;
        fileProperties = loaded;
    }

    /** The bootstrap servers the clients will use. */
    public String bootstrapServers() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        return fileProperties.getProperty(BOOTSTRAP_KEY, DEFAULT_BOOTSTRAP_SERVERS);
    }

    /** The --kafka-config file, if one was given. */
    public Optional<Path> kafkaConfigFile() {
        return Optional.ofNullable(configFile);
    }

    /** A fresh copy of the client properties: the file's entries plus {@code bootstrap.servers}. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(fileProperties);
        p.put(BOOTSTRAP_KEY, bootstrapServers());
        return p;
    }

    /**
     * Fails fast, with a one-line error, when no broker answers at the bootstrap servers within {@code timeout}: a
     * producer would otherwise block for a minute, logging a warning per retry. {@code doing} says what could not be
     * done ("publish run.jsonl").
     */
    public void requireReachable(java.time.Duration timeout, String doing) {
        KafkaClientLogs.quietConnectionRetries();
        Properties p = clientProperties();
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            admin.describeCluster().clusterId().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + bootstrapServers(), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + bootstrapServers() + " did not answer within " + timeout.toSeconds()
                            + " s, so could not "
                            + doing + "; is the broker running? (grokwatch broker starts one; --bootstrap-servers,"
                            + " --kafka-config)",
                    e);
        }
    }
}
