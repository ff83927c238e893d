package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.forecast.ValLossForecaster;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.Event;
import io.grokwatch.events.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The live analyzer: reads grokwatch.metrics, grokwatch.embeddings and grokwatch.runs (run_finished
 * ends a run's detector), runs one detector per run, checks grokwatch.control, and writes transitions, alerts and structure analyses to grokwatch.events, bad records to
 * grokwatch.dlq and auto-stop commands to grokwatch.control, exactly once (see
 * README-exactly-once.md).
 *
 * <pre>{@code
 * try (AnalyzerService analyzer = AnalyzerService.builder()
 *     .bootstrapServers("127.0.0.1:9092")
 *     .instanceId("analyzer-1")            // unique per running instance, the same after a restart
 *     .stopPolicy(PolicySpecs.parseLive("grokked+500"))
 *     .listener(e -> System.out.println(e))
 *     .build()
 *     .start()) {
 *   analyzer.termination().join();         // runs until closed or a fatal error
 * }
 * }</pre>
 *
 * <p>Threads: a poll thread per consumer ({@link KafkaSource}) and one worker thread that owns
 * the per-run detectors and the transactional producer. Any failure rebuilds the pipeline (new
 * consumer and producer, state restored from the changelog) after a backoff; fencing by another
 * instance with the same instance id, bad credentials and undecodable state stop the service.
 */
public final class AnalyzerService implements AutoCloseable {
    /** The consumer group of the analyzer unless told otherwise. */
    public static final String DEFAULT_GROUP_ID = ConsumerGroups.ANALYZER;
    /** Records per poll, hence per transaction at most, unless told otherwise. */
    public static final int DEFAULT_MAX_POLL_RECORDS = 2000;

    private static final Logger log = LoggerFactory.getLogger(AnalyzerService.class);

    private final Map<String, Object> clientConfig;
    private final String groupId;
    private final String instanceId;
    private final DetectorConfig detectorConfig;
    private final ReplayPolicy stopPolicy;
    private final int topK;
    private final int maxPollRecords;
    private final int lingerMs;
    private final int detectThreads;
    private final List<String> inputs;
    private final Consumer<Event> listener;
    private final Clock clock;
    private final Duration restartBackoff;
    private final Duration startTimeout;
    private final String stateTopic;

    private final AnalyzerStats stats = new AnalyzerStats();
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    private final AtomicReference<KafkaSource<RestoredState>> currentSource = new AtomicReference<>();
    private ExecutorService workerThread;
    private Scheduler worker;
    private ChunkRunner chunks;
    private Disposable running;

    private AnalyzerService(Builder b) {
        this.clientConfig = Map.copyOf(b.clientConfig);
        this.groupId = b.groupId;
        this.instanceId = b.instanceId != null ? b.instanceId : defaultInstanceId();
        this.detectorConfig = b.detectorConfig;
        this.stopPolicy = b.stopPolicy;
        this.topK = b.topK;
        this.maxPollRecords = b.maxPollRecords;
        this.lingerMs = b.lingerMs;
        this.detectThreads = b.detectThreads;
        // grokwatch.runs for run_finished, which lets the detector smooth a run's last evaluations;
        // grokwatch.control only to send its bad records to the DLQ (see Decoded.Checked).
        this.inputs = b.embeddings
                ? List.of(Topics.METRICS, Topics.EMBEDDINGS, Topics.RUNS, Topics.CONTROL)
                : List.of(Topics.METRICS, Topics.RUNS, Topics.CONTROL);
        this.listener = b.listener;
        this.clock = b.clock;
        this.restartBackoff = b.restartBackoff;
        this.startTimeout = b.startTimeout;
        this.stateTopic = StateChangelog.topicFor(groupId);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the topics (creating the state changelog if missing) and starts consuming. Returns
     * once the pipeline is subscribed; the group join and state restore happen in the background.
     *
     * @throws FatalAnalyzerException when the topics are laid out wrongly
     * @throws IllegalStateException when the broker cannot be reached to check them
     */
    public synchronized AnalyzerService start() {
        if (running != null) throw new IllegalStateException("analyzer " + instanceId + " is already started");
        Admin admin = Admin.create(adminConfig());
        try {
            StateChangelog.ensureTopic(
                    admin,
                    stateTopic,
                    inputs,
                    startTimeout,
                    String.valueOf(clientConfig.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)));
        } finally {
            admin.close(Duration.ZERO); // a plain close() waits out an unanswered request's full API timeout (60 s)
        }
        workerThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "grokwatch-analyzer-worker-" + instanceId);
            t.setDaemon(true);
            return t;
        });
        // Every task on one thread: the pipeline's steps, and close(), which so runs between batches.
        worker = Schedulers.fromExecutorService(workerThread, "grokwatch-analyzer-" + instanceId);
        chunks = new ChunkRunner(detectThreads, "grokwatch-analyzer-detect-" + instanceId);
        running = Flux.defer(this::pipeline)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, restartBackoff)
                        .maxBackoff(restartBackoff.multipliedBy(20))
                        .filter(e -> !isFatal(e))
                        .doBeforeRetry(s -> {
                            stats.restarted();
                            log.warn(
                                    "analyzer {} restarts its pipeline after: {}",
                                    instanceId,
                                    rootMessage(s.failure()));
                        }))
                .subscribe(
                        counts -> {},
                        e -> {
                            log.error("analyzer {} stopped: {}", instanceId, rootMessage(e));
                            termination.completeExceptionally(e);
                        },
                        () -> termination.complete(null));
        return this;
    }

    /**
     * One life of the pipeline: producer first (its init aborts a crashed predecessor's transaction), then consumer.
     * Both start steps block (initTransactions, then {@link #awaitPreviousSource}); subscribed on the worker, which
     * runs them before its first batch.
     */
    private Flux<AnalyzerStats.BatchCounts> pipeline() {
        return Flux.using(
                        () -> new TransactionalPublisher(producerConfig()),
                        publisher -> Mono.fromRunnable(this::awaitPreviousSource)
                                .thenMany(
                                        Flux.defer(() -> newPipeline(publisher).run())),
                        TransactionalPublisher::close)
                .subscribeOn(worker);
    }

    private AnalyzerPipeline newPipeline(TransactionalPublisher publisher) {
        StateChangelog changelog = new StateChangelog(stateTopic, clientConfig, Duration.ofSeconds(60));
        KafkaSource<RestoredState> source = KafkaSource.<RestoredState>builder()
                .consumerConfig(consumerConfig())
                .topics(inputs)
                .watermarks(Watermarks.ofBatches(4, maxPollRecords))
                .assignmentHandler(changelog)
                .build();
        currentSource.set(source);
        stats.lagFrom(source::lag);
        return new AnalyzerPipeline(
                source,
                publisher,
                changelog,
                new RunStateStore(detectorConfig, ValLossForecaster.Config.DEFAULT, stopPolicy),
                stopPolicy,
                topK,
                stats,
                listener,
                worker,
                clock,
                chunks);
    }

    /**
     * A rebuilt pipeline joins with the same static member id: wait until the failed one's
     * consumer has left, so the two never overlap in the group.
     */
    private void awaitPreviousSource() {
        KafkaSource<RestoredState> previous = currentSource.get();
        if (previous == null) return;
        try {
            if (!previous.awaitStopped(Duration.ofSeconds(15))) {
                log.warn("analyzer {}: the previous consumer has not closed after 15 s; starting anyway", instanceId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counters of this instance. */
    public AnalyzerStats stats() {
        return stats;
    }

    /** Completes when the service stops: normally after {@link #close}, exceptionally on a fatal error. */
    public CompletableFuture<Void> termination() {
        return termination;
    }

    public String instanceId() {
        return instanceId;
    }

    public String groupId() {
        return groupId;
    }

    /** The compacted topic holding this group's per-run state. */
    public String stateTopic() {
        return stateTopic;
    }

    /**
     * Stops between two batches (the batch being committed finishes), closes the producer, and
     * closes the consumer, which leaves the group so its partitions move to the other instances.
     */
    @Override
    public synchronized void close() {
        if (running == null) return;
        Disposable r = running;
        running = null;
        try {
            workerThread.submit(r::dispose).get(30, TimeUnit.SECONDS);
            KafkaSource<RestoredState> source = currentSource.get();
            if (source != null) source.awaitStopped(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("analyzer {} did not stop cleanly: {}", instanceId, rootMessage(e));
        } finally {
            worker.dispose();
            workerThread.shutdown();
            chunks.close();
            termination.complete(null);
        }
    }

    // ------------------------------------------------------------------ client settings

    private Map<String, Object> adminConfig() {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(CommonClientConfigs.CLIENT_ID_CONFIG, "grokwatch-analyzer-admin-" + instanceId);
        return c;
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        c.putAll(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // Static membership: a restarted instance takes its predecessor's place without a rebalance.
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "grokwatch-analyzer-" + instanceId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return c;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        // Each batch rewrites the touched runs' state (~2 KB of JSON each); lz4 shrinks it ~5x cheaply.
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Back-to-back transactions: the first send of a batch often meets the previous commit's markers still
        // being written (CONCURRENT_TRANSACTIONS) and is retried after retry.backoff.ms. The default 100 ms made
        // that wait most of the detection latency (measured on the embedded broker: cycle p90 120-140 ms at
        // 100 ms, 36-39 ms at 5 ms); it still grows exponentially up to retry.backoff.max.ms on real failures.
        c.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
        c.putAll(clientConfig);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        // The same id after a restart fences the crashed predecessor and aborts its open transaction.
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "grokwatch-analyzer." + groupId + "." + instanceId);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "grokwatch-analyzer-tx-" + instanceId);
        return c;
    }

    static boolean isFatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FatalAnalyzerException
                    || t instanceof ProducerFencedException
                    || t instanceof FencedInstanceIdException
                    || t instanceof AuthenticationException
                    || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            parts.add(t.getClass().getSimpleName() + ": " + t.getMessage());
            if (t.getCause() == t) break;
        }
        return String.join(" <- ", parts);
    }

    private static String defaultInstanceId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "analyzer";
        }
    }

    /** Configures an {@link AnalyzerService}; values are checked when set. */
    public static final class Builder {
        private final Map<String, Object> clientConfig = new HashMap<>();
        private String groupId = DEFAULT_GROUP_ID;
        private String instanceId;
        private DetectorConfig detectorConfig = DetectorConfig.defaults();
        private ReplayPolicy stopPolicy;
        private int topK = StructureAnalyzer.DEFAULT_TOP_K;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private int lingerMs = 5;
        private int detectThreads = Runtime.getRuntime().availableProcessors();
        private boolean embeddings = true;
        private Consumer<Event> listener;
        private Clock clock = Clock.systemUTC();
        private Duration restartBackoff = Duration.ofMillis(500);
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /** Kafka's bootstrap.servers, e.g. {@code 127.0.0.1:9092}. Required unless in clientConfig. */
        public Builder bootstrapServers(String servers) {
            if (servers == null || servers.isBlank())
                throw new IllegalArgumentException("bootstrapServers must be non-empty");
            clientConfig.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
            return this;
        }

        /**
         * Extra client settings (security, timeouts, tuning) applied to the consumer, producer and
         * admin client; group, transactional and isolation settings are the service's own.
         */
        public Builder clientConfig(Properties props) {
            props.stringPropertyNames().forEach(k -> clientConfig.put(k, props.getProperty(k)));
            return this;
        }

        /** As {@link #clientConfig(Properties)}. */
        public Builder clientConfig(Map<String, ?> config) {
            clientConfig.putAll(config);
            return this;
        }

        /** Consumer group; default {@value AnalyzerService#DEFAULT_GROUP_ID}. Also names the state topic. */
        public Builder groupId(String groupId) {
            if (groupId == null || groupId.isBlank()) throw new IllegalArgumentException("groupId must be non-empty");
            this.groupId = groupId;
            return this;
        }

        /**
         * This instance's id, unique among running instances of the group and the same after a
         * restart (it is the static group member id and part of the transactional.id). Default: the
         * host name.
         */
        public Builder instanceId(String instanceId) {
            if (instanceId == null || instanceId.isBlank())
                throw new IllegalArgumentException("instanceId must be non-empty");
            this.instanceId = instanceId;
            return this;
        }

        public Builder detectorConfig(DetectorConfig config) {
            this.detectorConfig = Objects.requireNonNull(config, "detectorConfig");
            return this;
        }

        /** Sends one STOP per run on grokwatch.control when the policy says so; default none. */
        public Builder stopPolicy(ReplayPolicy policy) {
            this.stopPolicy = policy;
            return this;
        }

        /** Key frequencies reported per structure analysis; default {@value StructureAnalyzer#DEFAULT_TOP_K}. */
        public Builder topK(int topK) {
            if (topK < 1) throw new IllegalArgumentException("topK must be >= 1, got " + topK);
            this.topK = topK;
            return this;
        }

        /** Records per poll, hence per transaction at most; default {@value AnalyzerService#DEFAULT_MAX_POLL_RECORDS}. */
        public Builder maxPollRecords(int n) {
            if (n < 1) throw new IllegalArgumentException("maxPollRecords must be >= 1, got " + n);
            this.maxPollRecords = n;
            return this;
        }

        /** Producer linger.ms; default 5. */
        public Builder lingerMs(int ms) {
            if (ms < 0) throw new IllegalArgumentException("lingerMs must be >= 0, got " + ms);
            this.lingerMs = ms;
            return this;
        }

        /**
         * Threads that decode and detect a big batch (the worker counts as one); default the number of
         * cores. Batches under 1,000 records per thread stay on the worker.
         */
        public Builder detectThreads(int n) {
            if (n < 1) throw new IllegalArgumentException("detectThreads must be >= 1, got " + n);
            this.detectThreads = n;
            return this;
        }

        /** Whether to analyze grokwatch.embeddings too; default true. */
        public Builder embeddings(boolean on) {
            this.embeddings = on;
            return this;
        }

        /** Told of every committed output (transitions, alerts, analyses, commands, DLQ records), on the worker thread. */
        public Builder listener(Consumer<Event> listener) {
            this.listener = listener;
            return this;
        }

        /** The clock for detectedTime; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long {@link AnalyzerService#start()} waits for Kafka to describe the topics. Default 30 s. */
        public Builder startTimeout(Duration d) {
            if (d == null || d.isNegative() || d.isZero())
                throw new IllegalArgumentException("startTimeout must be > 0, got " + d);
            this.startTimeout = d;
            return this;
        }

        /** First wait before rebuilding a failed pipeline; doubles up to 20x. Default 500 ms. */
        public Builder restartBackoff(Duration d) {
            if (d == null || d.isNegative() || d.isZero())
                throw new IllegalArgumentException("restartBackoff must be > 0, got " + d);
            this.restartBackoff = d;
            return this;
        }

        public AnalyzerService build() {
            if (!clientConfig.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(
                        "bootstrapServers must be set (or bootstrap.servers in clientConfig)");
            }
            return new AnalyzerService(this);
        }
    }
}
