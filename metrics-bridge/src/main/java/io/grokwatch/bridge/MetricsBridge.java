package io.grokwatch.bridge;

import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.Topics;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumes grokwatch's runs, metrics, events and DLQ topics and serves them as Prometheus metrics
 * (see METRICS.md); a second consumer reads jobs, runs, events and control for the per-sweep metrics.
 *
 * <pre>{@code
 * Properties kafka = new Properties();
 * kafka.put("bootstrap.servers", "127.0.0.1:9092");
 * try (MetricsBridge bridge = MetricsBridge.builder().kafkaProperties(kafka).port(0).build().start()) {
 *   System.out.println("metrics at " + bridge.metricsUrl());
 * }
 * }</pre>
 *
 * <p>Threads: one poll thread owns the Kafka consumer and all per-run state, so that state needs
 * no locks; one sweep reader thread owns a second consumer and all per-sweep state; one scheduler thread refreshes consumer lag through an Admin client; the HTTP
 * server's threads serve scrapes from the thread-safe Prometheus registry. {@link #start()} and
 * {@link #close()} are meant to be called once each, from one thread.
 */
public final class MetricsBridge implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9464;
    public static final String DEFAULT_GROUP_ID = ConsumerGroups.BRIDGE;
    /** The analyzer's consumer group, whose lag the bridge reports next to its own. */
    public static final String ANALYZER_GROUP_ID = ConsumerGroups.ANALYZER;

    public static final Duration DEFAULT_RUN_TTL = Duration.ofMinutes(15);
    public static final Duration DEFAULT_LAG_INTERVAL = Duration.ofSeconds(5);
    /** The topics the bridge consumes. */
    public static final List<String> TOPICS = List.of(Topics.RUNS, Topics.METRICS, Topics.EVENTS, Topics.DLQ);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** How long one lag refresh waits for the broker before it reports the lag as unknown. */
    private static final Duration LAG_QUERY_TIMEOUT = Duration.ofSeconds(10);

    private final Properties kafkaProperties;
    private final String groupId;
    private final String host;
    private final int requestedPort;
    private final Duration runTtl;
    private final Duration lagInterval;
    private final List<String> lagGroups;
    private final Clock clock;
    /** Null: the endpoint is open to anyone who can reach it. */
    private final BasicAuth basicAuth;

    private HTTPServer server;
    private PollLoop pollLoop;
    private SweepReader sweepReader;
    private Admin admin;
    private ScheduledExecutorService lagScheduler;
    private BridgeMetrics metrics;
    private boolean started;
    private boolean closed;

    private MetricsBridge(Builder b) {
        this.kafkaProperties = b.kafkaProperties;
        this.groupId = b.groupId;
        this.host = b.host;
        this.requestedPort = b.port;
        this.runTtl = b.runTtl;
        this.lagInterval = b.lagInterval;
        LinkedHashSet<String> groups = new LinkedHashSet<>();
        groups.add(b.groupId);
        groups.addAll(b.watchedGroups);
        this.lagGroups = List.copyOf(groups);
        this.clock = b.clock;
        this.basicAuth = b.basicAuth;
    }

    /** Starts configuring a bridge: 127.0.0.1:9464, group grokwatch-bridge, 15 min run TTL, no auth. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts serving on the configured address, then starts consuming. Returns once the HTTP server
     * listens; records are consumed in the background from then on.
     *
     * @throws UncheckedIOException when the address cannot be bound
     * @throws org.apache.kafka.common.KafkaException when the Kafka clients cannot be created
     */
    public synchronized MetricsBridge start() {
        if (started) throw new IllegalStateException("MetricsBridge was already started");
        started = true;
        PrometheusRegistry registry = new PrometheusRegistry();
        metrics = new BridgeMetrics(registry);
        SweepMetrics sweepMetrics = new SweepMetrics(registry);
        try {
            startHttpServer(registry);
            startPollThread();
            startSweepReader(sweepMetrics);
            startLagMonitor();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        metrics.setUp(true);
        return this;
    }

    private void startHttpServer(PrometheusRegistry registry) {
        try {
            // The authenticator guards every path the server has: /metrics, /-/healthy and /.
            server = HTTPServer.builder()
                    .hostname(host)
                    .port(requestedPort)
                    .registry(registry)
                    .registerHealthHandler(true)
                    .authenticator(basicAuth)
                    .buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot listen on " + host + ":" + requestedPort + " (" + e.getMessage()
                            + "): choose another host or port",
                    e);
        }
    }

    private void startPollThread() {
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        RecordProcessor processor = new RecordProcessor(metrics, new RunTable(runTtl), clock);
        pollLoop = new PollLoop(consumer, TOPICS, processor).restoreWindow(runTtl, clock);
        Thread thread = new Thread(pollLoop, "grokwatch-bridge-poll");
        thread.setDaemon(true);
        thread.start();
    }

    private void startSweepReader(SweepMetrics sweepMetrics) {
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(sweepReaderProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        sweepReader = new SweepReader(consumer, sweepMetrics, metrics);
        Thread thread = new Thread(sweepReader, "grokwatch-bridge-sweeps");
        thread.setDaemon(true);
        thread.start();
    }

    private void startLagMonitor() {
        admin = Admin.create(adminProperties());
        ConsumerLagMonitor monitor = new ConsumerLagMonitor(admin, lagGroups, metrics, LAG_QUERY_TIMEOUT);
        lagScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grokwatch-bridge-lag");
            t.setDaemon(true);
            return t;
        });
        // Fixed delay, not rate: a slow broker must not queue up refreshes behind each other.
        lagScheduler.scheduleWithFixedDelay(monitor::refresh, 0, lagInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // A bridge without committed offsets reads from the start, so it learns the task and model of
        // runs that started before it did; runs that ended long ago leave again after one TTL.
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        return p;
    }

    /**
     * The sweep reader's consumer: no group (it assigns partitions and reads from the beginning at
     * every start, committing nothing), read_committed like the main one, and it creates no topics.
     */
    Properties sweepReaderProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-sweeps");
        return p;
    }

    Properties adminProperties() {
        Properties p = new Properties();
        kafkaProperties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(k))) p.put(k, v);
        });
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-lag");
        return p;
    }

    /** The port the HTTP server listens on; the bound one when port 0 was configured. */
    public synchronized int port() {
        if (server == null) throw new IllegalStateException("MetricsBridge is not started: call start() first");
        return server.getPort();
    }

    /** The basic auth user the endpoint requires, or null when it requires none. */
    public String basicAuthUser() {
        return basicAuth == null ? null : basicAuth.user();
    }

    /** The URL Prometheus scrapes, e.g. {@code http://127.0.0.1:9464/metrics}. */
    public String metricsUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port() + "/metrics";
    }

    /** Stops consuming, then stops serving. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (metrics != null) metrics.setUp(false);
        if (pollLoop != null) {
            try {
                pollLoop.stop(STOP_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sweepReader != null) {
            try {
                sweepReader.stop(STOP_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (lagScheduler != null) lagScheduler.shutdownNow();
        if (admin != null) admin.close(Duration.ofSeconds(5));
        if (server != null) server.close();
    }

    /** Configuration of a {@link MetricsBridge}; every setter checks its argument. */
    public static final class Builder {
        private Properties kafkaProperties = new Properties();
        private String groupId = DEFAULT_GROUP_ID;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private Duration runTtl = DEFAULT_RUN_TTL;
        private Duration lagInterval = DEFAULT_LAG_INTERVAL;
        private List<String> watchedGroups = List.of(ANALYZER_GROUP_ID);
        private Clock clock = Clock.systemUTC();
        private BasicAuth basicAuth;

        private Builder() {}

        /** Kafka client properties (bootstrap.servers, security, ...) for the consumer and the admin client. */
        public Builder kafkaProperties(Properties properties) {
            Objects.requireNonNull(properties, "kafkaProperties");
            Properties copy = new Properties();
            copy.putAll(properties);
            this.kafkaProperties = copy;
            return this;
        }

        /** The bridge's consumer group id; default {@value #DEFAULT_GROUP_ID}. */
        public Builder groupId(String groupId) {
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("groupId must not be blank, got '" + groupId + "'");
            }
            this.groupId = groupId;
            return this;
        }

        /** The address to listen on; default {@value #DEFAULT_HOST}. */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank, got '" + host + "'");
            }
            this.host = host;
            return this;
        }

        /** The port to listen on; 0 picks a free one (see {@link MetricsBridge#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** How long a finished or silent run's series stay; default 15 minutes. */
        public Builder runTtl(Duration runTtl) {
            if (runTtl == null || runTtl.isNegative() || runTtl.isZero()) {
                throw new IllegalArgumentException("runTtl must be positive, got " + runTtl);
            }
            this.runTtl = runTtl;
            return this;
        }

        /** How often consumer lag is refreshed; default 5 seconds. */
        public Builder lagInterval(Duration lagInterval) {
            if (lagInterval == null || lagInterval.toMillis() <= 0) {
                throw new IllegalArgumentException("lagInterval must be at least 1 ms, got " + lagInterval);
            }
            this.lagInterval = lagInterval;
            return this;
        }

        /** Consumer groups whose lag is reported besides the bridge's own; default grokwatch-analyzer. */
        public Builder watchedGroups(List<String> groups) {
            Objects.requireNonNull(groups, "watchedGroups");
            for (String g : groups) {
                if (g == null || g.isBlank()) {
                    throw new IllegalArgumentException("watchedGroups must not contain a blank group, got " + groups);
                }
            }
            this.watchedGroups = new ArrayList<>(groups);
            return this;
        }

        /**
         * Requires HTTP basic auth with this user and password on every path ({@code /metrics},
         * {@code /-/healthy}); default: no auth. Wrong or missing credentials get 401 with a
         * {@code WWW-Authenticate} header. Basic auth sends the password in clear text: use it on
         * loopback or behind TLS.
         */
        public Builder basicAuth(String user, String password) {
            if (user == null || user.isEmpty()) {
                throw new IllegalArgumentException("basic auth user must not be empty");
            }
            // Basic auth joins user and password with ':', so a user containing one could never log in.
            if (user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("basic auth user must not contain ':', got '" + user + "'");
            }
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("basic auth password must not be empty");
            }
            this.basicAuth = new BasicAuth(user, password);
            return this;
        }

        /** The clock for run TTLs, last-update times and end-to-end lag; tests pass one they control. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Checks cross-field rules and returns an unstarted bridge.
         *
         * @throws IllegalArgumentException when bootstrap.servers is missing from the Kafka properties
         */
        public MetricsBridge build() {
            String bootstrap = kafkaProperties.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
            if (bootstrap == null || bootstrap.isBlank()) {
                throw new IllegalArgumentException(
                        "kafkaProperties has no bootstrap.servers: set it, e.g. to 127.0.0.1:9092");
            }
            return new MetricsBridge(this);
        }
    }
}
