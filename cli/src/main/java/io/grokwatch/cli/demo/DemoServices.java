package io.grokwatch.cli.demo;

import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The services a demo runs in its own process: Kafka (embedded unless an external cluster is
 * given), the analyzer and the metrics bridge. The embedded broker starts in the background on a
 * port chosen up front, so producers can be created (and buffer) while it comes up. Closing
 * stops everything in reverse order.
 */
public final class DemoServices implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final EmbeddedKafka broker;
    private final CompletableFuture<Void> brokerStarted;
    private final Properties kafka;
    private MetricsBridge bridge;
    private AnalyzerService analyzer;
    private boolean closed;

    private DemoServices(EmbeddedKafka broker, CompletableFuture<Void> brokerStarted, Properties kafka) {
        this.broker = broker;
        this.brokerStarted = brokerStarted;
        this.kafka = kafka;
    }

    /**
     * Starts the embedded broker in the background (unless {@code external} is given) and returns
     * at once; {@link #kafka()} already names its address.
     *
     * @param external client properties of an external cluster, or null for an embedded broker
     */
    public static DemoServices launch(Properties external) {
        Properties kafka = new Properties();
        if (external != null) {
            kafka.putAll(external);
            return new DemoServices(null, CompletableFuture.completedFuture(null), kafka);
        }
        int port = freePort();
        EmbeddedKafka broker = EmbeddedKafka.builder().port(port).partitions(1).build();
        kafka.put("bootstrap.servers", HOST + ":" + port);
        CompletableFuture<Void> started =
                CompletableFuture.runAsync(broker::start, r -> daemon(r).start());
        return new DemoServices(broker, started, kafka);
    }

    /**
     * Waits for Kafka, then starts {@code beforeAnalyzer} (e.g. a watcher that must be positioned
     * before the analyzer writes), the analyzer and the metrics bridge on 127.0.0.1:{@code metricsPort};
     * {@code log} gets one line per service.
     */
    public void startServices(int metricsPort, Runnable beforeAnalyzer, Consumer<String> log) {
        try {
            brokerStarted.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        log.accept((broker != null ? "Kafka      embedded, " : "Kafka      external, ") + bootstrapServers());
        beforeAnalyzer.run();
        analyzer = AnalyzerService.builder().clientConfig(kafka).build().start();
        log.accept("analyzer   consumer group " + analyzer.groupId());
        try {
            bridge = MetricsBridge.builder()
                    .kafkaProperties(kafka)
                    .port(metricsPort)
                    .build()
                    .start();
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(
                    "cannot serve metrics on " + HOST + ":" + metricsPort + " (" + e.getMessage()
                            + "); pass --metrics-port with a free port, or 0 for any",
                    e);
        }
        log.accept("metrics    " + bridge.metricsUrl());
    }

    /** Client properties that reach the demo's Kafka. */
    public Properties kafka() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    public String bootstrapServers() {
        return kafka.getProperty("bootstrap.servers");
    }

    /** Whether Kafka runs inside this process. */
    public boolean embeddedKafka() {
        return broker != null;
    }

    /** The bridge's scrape URL; null before {@link #startServices}. */
    public String metricsUrl() {
        return bridge == null ? null : bridge.metricsUrl();
    }

    /** Stops the analyzer, the bridge and the embedded broker; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException failure = null;
        for (AutoCloseable c : new AutoCloseable[] {analyzer, bridge}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null)
                    failure = new IllegalStateException("stopping the demo's services: " + e.getMessage(), e);
            }
        }
        if (broker != null) {
            brokerStarted.handle((ok, error) -> null).join(); // a broker still starting is stopped once it is up
            broker.close();
        }
        if (failure != null) throw failure;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST + " for Kafka: " + e.getMessage(), e);
        }
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "grokwatch-demo-kafka-start");
        t.setDaemon(true);
        return t;
    }
}
