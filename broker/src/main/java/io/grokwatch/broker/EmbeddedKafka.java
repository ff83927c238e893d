package io.grokwatch.broker;

import io.grokwatch.events.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka (KRaft broker and controller in this JVM) on 127.0.0.1, with the
 * grokwatch topics created; for local runs and tests.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).partitions(3).build().start()) {
 *   producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>Port 0 picks free ports when the broker first starts; a later {@link #start()} of the same
 * instance reuses them, so clients that outlive a broker restart reconnect. Without {@link
 * Builder#dataDir(Path)} the data lives in a temporary directory that {@link #close()} deletes;
 * {@link #stop()} keeps it so the broker can start again with its data. Starting on a data
 * directory used before keeps its records (the directory is formatted only once).
 *
 * <p>Lifecycle methods are synchronized; clients use the broker from any thread or process.
 * Kafka's own logging goes through slf4j (slf4j-simple at warn, see simplelogger.properties).
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** The node id of the single broker+controller. */
    static final int NODE_ID = 1;

    private static final String HOST = "127.0.0.1";
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

    private final int requestedPort;
    private final Path requestedDataDir;
    private final int partitions;
    private final Map<String, String> overrides;
    /** SCRAM-SHA-512 user and password of the client listener, or null for PLAINTEXT. */
    private final String saslUser;

    private final String saslPassword;

    private Path dataDir;
    private boolean ownsDataDir;
    private int port;
    private int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Builder b) {
        this.requestedPort = b.port;
        this.requestedDataDir = b.dataDir;
        this.partitions = b.partitions;
        this.overrides = Map.copyOf(b.overrides);
        this.saslUser = b.saslUser;
        this.saslPassword = b.saslPassword;
    }

    /** The SCRAM mechanism of a broker built with {@link Builder#sasl}. */
    public static final String SASL_MECHANISM = "SCRAM-SHA-512";

    /**
     * What a client needs to connect: {@code bootstrap.servers}, and for a SASL broker the security protocol,
     * mechanism and JAAS login of its user: the contents of a {@code --kafka-config} file.
     */
    public synchronized Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        if (saslUser != null) {
            p.put("security.protocol", "SASL_PLAINTEXT");
            p.put("sasl.mechanism", SASL_MECHANISM);
            p.put("sasl.jaas.config", jaas(saslUser, saslPassword));
        }
        return p;
    }

    /** True for a broker whose clients must log in (SCRAM-SHA-512 over SASL_PLAINTEXT). */
    public boolean sasl() {
        return saslUser != null;
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user.replace("\\", "\\\\").replace("\"", "\\\"") + "\" password=\""
                + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\";";
    }

    /** Starts configuring a broker: ephemeral port, temporary data directory, 3 partitions. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the data directory if it is new, starts the broker and controller, and creates the
     * grokwatch topics that do not exist yet. Returns when clients can produce to every topic.
     *
     * @throws IllegalStateException if the broker is already running
     * @throws UncheckedIOException if the data directory cannot be created
     * @throws EmbeddedKafkaException if Kafka fails to start (the message says why)
     */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("EmbeddedKafka is already running at " + bootstrapServers());
        }
        prepareDataDir();
        for (int attempt = 1; ; attempt++) {
            choosePorts();
            KafkaConfig config = KafkaConfig.fromProps(serverProperties(), false);
            formatIfNew(config);
            KafkaRaftServer candidate = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                candidate.startup();
                server = candidate;
                break;
            } catch (RuntimeException e) {
                shutdownQuietly(candidate);
                // Free ports are picked before Kafka binds them: another process may win the race.
                boolean raceLost = isBindFailure(e) && attempt < BIND_ATTEMPTS && portsWereEphemeral();
                if (!raceLost) {
                    throw new EmbeddedKafkaException(
                            "Kafka failed to start on " + HOST + ":" + port + " (controller port " + controllerPort
                                    + ", data dir " + dataDir + "): " + rootMessage(e),
                            e);
                }
                port = 0;
                controllerPort = 0;
            }
        }
        try {
            createTopics();
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        return this;
    }

    /** The address clients connect to, e.g. {@code 127.0.0.1:40123}. */
    public synchronized String bootstrapServers() {
        if (port == 0) {
            throw new IllegalStateException("EmbeddedKafka has no port yet: call start() first");
        }
        return HOST + ":" + port;
    }

    /** The client (PLAINTEXT) port; 0 before the first start when it was ephemeral. */
    public synchronized int port() {
        return port;
    }

    /** The controller (KRaft quorum) port; 0 before the first start. */
    public synchronized int controllerPort() {
        return controllerPort;
    }

    /** Where Kafka keeps its logs and metadata; null before the first start with a temp dir. */
    public synchronized Path dataDir() {
        return dataDir;
    }

    /** The partition count of each grokwatch topic this broker creates. */
    public int partitions() {
        return partitions;
    }

    /** True between a successful {@link #start()} and {@link #stop()}. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Shuts the broker down and frees its ports; keeps the data directory. No-op if stopped. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        KafkaRaftServer s = server;
        server = null;
        s.shutdown();
        s.awaitShutdown();
    }

    /** Stops the broker and deletes the data directory if it was a temporary one. */
    @Override
    public synchronized void close() {
        stop();
        if (ownsDataDir && dataDir != null) {
            Directories.deleteRecursively(dataDir);
            dataDir = null;
            ownsDataDir = false;
        }
    }

    private void prepareDataDir() {
        try {
            if (dataDir == null) {
                if (requestedDataDir != null) {
                    dataDir = requestedDataDir.toAbsolutePath();
                    Files.createDirectories(dataDir);
                } else {
                    dataDir = Files.createTempDirectory("grokwatch-kafka-");
                    ownsDataDir = true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create Kafka data directory " + requestedDataDir + ": " + e.getMessage(), e);
        }
    }

    private void choosePorts() {
        if (port == 0) {
            port = requestedPort != 0 ? requestedPort : FreePorts.pick(HOST);
        }
        // Checked here because Kafka reports a taken port with three stack traces at ERROR.
        if (!FreePorts.isFree(HOST, port)) {
            throw new EmbeddedKafkaException(
                    "port " + port + " on " + HOST
                            + " is in use: stop what listens there or choose another port (0 picks a free one)",
                    null);
        }
        // Clients never see the controller port, so a taken one is simply replaced.
        if (controllerPort == 0 || !FreePorts.isFree(HOST, controllerPort)) {
            controllerPort = FreePorts.pick(HOST, port);
        }
    }

    private boolean portsWereEphemeral() {
        return requestedPort == 0;
    }

    Properties serverProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        // Clients on CLIENT (PLAINTEXT, or SCRAM over SASL_PLAINTEXT); the controller's quorum stays PLAINTEXT on
        // loopback, no client ever reaches it.
        p.put("listeners", "CLIENT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "CLIENT://" + HOST + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "CLIENT");
        p.put(
                "listener.security.protocol.map",
                "CLIENT:" + (saslUser != null ? "SASL_PLAINTEXT" : "PLAINTEXT") + ",CONTROLLER:PLAINTEXT");
        if (saslUser != null) {
            p.put("sasl.enabled.mechanisms", SASL_MECHANISM);
            p.put("sasl.mechanism.inter.broker.protocol", SASL_MECHANISM);
            // the broker talks to itself on CLIENT too, as the same user
            p.put("listener.name.client.scram-sha-512.sasl.jaas.config", jaas(saslUser, saslPassword));
        }
        p.put("log.dirs", dataDir.toString());
        p.put("num.partitions", Integer.toString(partitions));
        // One node: every internal topic has one replica, or transactions and groups never start.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions than the default 50: the first consumer group or transaction
        // otherwise waits for 50 partitions to load.
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        // The log cleaner's default dedupe buffer takes 128 MB per cleaner thread up front.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "2");
        // Fail a hung start instead of blocking the caller forever.
        p.put("server.max.startup.time.ms", "60000");
        p.putAll(overrides);
        return p;
    }

    private void formatIfNew(KafkaConfig config) {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return; // formatted before: keep its cluster id and data
        }
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setIgnoreFormatted(false)
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                .setControllerListenerName(config.controllerListenerNames().get(0))
                .setMetadataLogDirectory(config.metadataLogDir());
        formatter.setDirectories(List.of(dataDir.toString()));
        // SCRAM credentials live in the metadata log: they are written once, when the directory is formatted.
        if (saslUser != null)
            formatter.setScramArguments(
                    List.of(SASL_MECHANISM + "=[name=" + saslUser + ",password=" + saslPassword + "]"));
        try {
            formatter.run();
        } catch (Exception e) {
            throw new EmbeddedKafkaException(
                    "cannot format Kafka data directory " + dataDir + ": " + rootMessage(e), e);
        }
    }

    private int partitionsOf(String topic) {
        return topic.equals(Topics.JOBS) ? Math.max(partitions, Topics.JOBS_PARTITIONS) : partitions;
    }

    private void createTopics() {
        Properties props = clientProperties();
        try (Admin admin = Admin.create(props)) {
            List<NewTopic> topics = Topics.ALL.stream()
                    .map(name -> new NewTopic(name, partitionsOf(name), (short) 1))
                    .collect(Collectors.toList());
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new EmbeddedKafkaException(
                                "cannot create topic " + entry.getKey() + ": " + rootMessage(e), e);
                    }
                }
            }
            awaitLeaders(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while creating the grokwatch topics", e);
        }
    }

    /** Waits until every partition of every grokwatch topic has a leader that serves requests, so produce succeeds. */
    private void awaitLeaders(Admin admin) throws InterruptedException {
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        String lastProblem = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> described =
                        admin.describeTopics(Topics.ALL).allTopicNames().get();
                String missing = described.values().stream()
                        .filter(d -> d.partitions().stream()
                                .anyMatch(p -> p.leader() == null || p.leader().isEmpty()))
                        .map(TopicDescription::name)
                        .collect(Collectors.joining(","));
                if (missing.isEmpty()) {
                    // Metadata can name a leader before the partition takes writes; an idempotent producer
                    // hitting that window may retry into OUT_OF_ORDER_SEQUENCE_NUMBER. ListOffsets is served
                    // by the leader only, so its success shows the window is over.
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    described
                            .values()
                            .forEach(d -> d.partitions()
                                    .forEach(pi -> latest.put(
                                            new TopicPartition(d.name(), pi.partition()), OffsetSpec.latest())));
                    admin.listOffsets(latest).all().get();
                    return;
                }
                lastProblem = "no leader yet for " + missing;
            } catch (ExecutionException e) {
                lastProblem = rootMessage(e);
            }
            Thread.sleep(50);
        }
        throw new EmbeddedKafkaException(
                "grokwatch topics not ready after " + TOPIC_READY_TIMEOUT.toSeconds() + " s: " + lastProblem, null);
    }

    private static void shutdownQuietly(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException ignored) {
            // The start failure is what the caller needs to see.
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    /** Configures an {@link EmbeddedKafka}; {@link #build()} validates and does not start it. */
    public static final class Builder {
        private int port = 0;
        private Path dataDir;
        private int partitions = 3;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private String saslUser;
        private String saslPassword;

        private Builder() {}

        /**
         * Clients must log in with SCRAM-SHA-512 over SASL_PLAINTEXT as this user ({@link #clientProperties()});
         * without it the listener is PLAINTEXT. The credential is stored when the data directory is first formatted,
         * so a broker restarted on the same directory needs the same password.
         */
        public Builder sasl(String user, String password) {
            if (user == null || user.isBlank() || user.contains(",") || user.contains("=") || user.contains("]"))
                throw new IllegalArgumentException(
                        "SASL user must be a non-empty name without ',', '=' or ']', was '" + user + "'");
            if (password == null || password.length() < 8 || password.contains(",") || password.contains("]"))
                throw new IllegalArgumentException("SASL password must have at least 8 characters and no ',' or ']'");
            this.saslUser = user;
            this.saslPassword = password;
            return this;
        }

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Where Kafka keeps its data; created if missing, kept on close. Default: a temp dir. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Partitions of each grokwatch topic and of auto-created topics; default 3. */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** Sets one Kafka server property, overriding grokwatch's choice (e.g. log.retention.ms). */
        public Builder config(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Builds the broker without starting it. */
        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }
    }
}
