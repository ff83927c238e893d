package io.grokwatch.trainer.publish;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.EventType;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a run's records to Kafka from a background thread, so the step loop never waits
 * on the broker.
 *
 * <pre>{@code
 * Properties kafka = new Properties();
 * kafka.put("bootstrap.servers", "127.0.0.1:9092");
 * try (RunPublisher out = RunPublisher.builder().kafkaProperties(kafka).bufferCapacity(50_000).start()) {
 *   out.publish(new RunStarted(run, now, task, model, config, Provenance.current(seed, splitHash, backend)));
 *   out.publish(Records.step(run, step).train(tl, ta).val(vl, va).build()); // every evaluated step
 *   out.publish(new RunFinished(run, now, RunFinished.Status.COMPLETED, "", lastStep));
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> {@link #publish} may be called from any thread; it puts the record into a
 * bounded buffer (see {@link Builder#bufferCapacity}) and returns. One sender thread moves
 * records, in order, into a {@link KafkaProducer} keyed by run id, to the topic of the record's
 * type ({@link EventType#topic()}). The producer is idempotent with acks=all and one request in
 * flight, and retries for up to {@code delivery.timeout.ms} (10 minutes), so a broker that goes
 * away and comes back gets every held record once and in order.
 *
 * <p><b>When Kafka is away.</b> Once records wait longer than {@link Builder#unreachableAfter}
 * without an acknowledgement and without a broker connection (or the client cannot even fetch
 * metadata), the publisher writes one warning line to the warning sink; when acknowledgements
 * resume it writes one line saying so. Meanwhile the buffer fills; what does not fit is dropped and counted, embedding snapshots
 * before step records; run_started and run_finished are never dropped.
 *
 * <p><b>Closing.</b> {@link #close(Duration)} stops accepting records, delivers what it can
 * within the timeout, fails the rest and returns the final {@link PublishStats}; if anything
 * was lost it says so on the warning sink.
 */
public final class RunPublisher implements EventPublisher {
    /** How often the sender thread wakes when idle, to check whether Kafka still answers. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private static final long RETRY_BACKOFF_MS = 250;

    private final Producer<String, Event> producer;
    private final PublishBuffer buffer;
    private final Consumer<String> warnings;
    private final String servers;
    private final long unreachableAfterNanos;
    private final Thread sender;
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final AtomicBoolean dropWarned = new AtomicBoolean();
    private final Set<Class<?>> failureKindsWarned = ConcurrentHashMap.newKeySet();

    // Reachability: lastProgressNanos is written by the sender (while nothing is outstanding) and by
    // the producer's I/O thread (on every acknowledgement); `down` flips under reachLock. close()
    // holds its own lock: the I/O thread must never wait for it, or producer.close() would stall.
    private final Object reachLock = new Object();
    private final Object closeLock = new Object();
    private volatile long lastProgressNanos = System.nanoTime();
    private boolean down;

    private Metric connectionCount; // sender thread only; looked up once
    private int refusalsInARow; // sender thread only
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private PublishStats finalStats;

    private RunPublisher(Builder b, Producer<String, Event> producer) {
        this.producer = producer;
        this.buffer = new PublishBuffer(b.bufferCapacity);
        this.warnings = b.warnings;
        this.servers = b.kafka.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        this.unreachableAfterNanos = b.unreachableAfter.toNanos();
        this.sender = new Thread(this::sendLoop, "grokwatch-publisher");
        sender.setDaemon(true); // a run that forgets close() must still be able to exit
    }

    /** Starts configuring a publisher. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The producer settings a publisher uses: grokwatch's delivery guarantees, then {@code kafka}
     * (which may override them, e.g. for security or timeouts), then the serializers.
     */
    public static Properties producerConfig(Properties kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        // One request in flight: order then never rests on the broker's sequence checks. With 5, a
        // fresh partition that answers NOT_LEADER_OR_FOLLOWER to the first batch can accept the
        // second, and the first then fails OUT_OF_ORDER_SEQUENCE until the delivery timeout.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        // Records outlive a broker restart: the client keeps retrying them for this long.
        p.put(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                Long.toString(Duration.ofMinutes(10).toMillis()));
        // Bounds how long send() may block the sender thread on metadata or a full client buffer.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "grokwatch-trainer");
        p.putAll(kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerde.EventSerializer.class.getName());
        return p;
    }

    @Override
    public void publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (!buffer.offer(event) && !closing && dropWarned.compareAndSet(false, true)) {
            warn("grokwatch: the Kafka publish buffer is full (" + buffer.capacity()
                    + " records); dropping new records until Kafka catches up (counted in stats)");
        }
    }

    @Override
    public PublishStats stats() {
        return buffer.stats();
    }

    /** False from the unreachable warning until acknowledgements resume. */
    public boolean isReachable() {
        synchronized (reachLock) {
            return !down;
        }
    }

    /** The buffer, for tests that check which records were dropped. */
    PublishBuffer buffer() {
        return buffer;
    }

    /** The {@code bootstrap.servers} this publisher sends to. */
    public String bootstrapServers() {
        return servers;
    }

    @Override
    public PublishStats close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        synchronized (closeLock) {
            if (finalStats == null) finalStats = shutDown(timeout);
            return finalStats;
        }
    }

    private PublishStats shutDown(Duration timeout) {
        long deadline = System.nanoTime() + Math.min(Math.max(0, timeout.toNanos()), TimeUnit.DAYS.toNanos(1));
        closeDeadlineNanos = deadline;
        closing = true;
        buffer.close();
        closeSignal.countDown();
        boolean interrupted = joinSender(deadline);
        // Waits for acknowledgements of what the sender handed over, then fails the rest through
        // their callbacks; also wakes a send() blocked on metadata.
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        interrupted |= joinSender(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        buffer.abandonQueued();
        PublishStats s = buffer.stats();
        if (s.pending() > 0) { // callbacks that never ran count as failures, so the sum still adds up
            s = new PublishStats(s.published(), s.delivered(), s.dropped(), s.failed() + s.pending(), 0);
        }
        if (s.lost() > 0) {
            warn("grokwatch: closed the Kafka publisher (" + servers + ") with " + s.lost() + " of "
                    + s.published() + " records not delivered (" + s.dropped() + " dropped while the buffer was full, "
                    + s.failed() + " undelivered at close or given up by Kafka)");
        }
        if (interrupted) Thread.currentThread().interrupt();
        return s;
    }

    private boolean joinSender(long deadlineNanos) {
        try {
            long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (ms > 0) sender.join(ms);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------ sender thread

    private enum Outcome {
        HANDED_OVER,
        RETRY,
        STOP
    }

    private void sendLoop() {
        try {
            while (true) {
                checkReachable();
                if (closing && (buffer.queued() == 0 || System.nanoTime() - closeDeadlineNanos >= 0)) return;
                Event e = buffer.take(TICK_NANOS);
                if (e == null) continue;
                Outcome o = send(e);
                if (o == Outcome.STOP) return;
                if (o == Outcome.RETRY) pause();
            }
        } catch (InterruptedException e) {
            // only close() ends this thread; nothing else interrupts it
        } catch (RuntimeException e) {
            warn("grokwatch: the Kafka publisher stopped sending: " + describe(e));
        }
    }

    private Outcome send(Event e) {
        Delivery d = new Delivery();
        RuntimeException thrown = null;
        try {
            producer.send(new ProducerRecord<>(EventType.of(e).topic(), e.run(), e), d);
        } catch (RuntimeException ex) {
            thrown = ex;
        }
        Exception err = thrown != null ? thrown : d.rejected;
        if (err == null) {
            refusalsInARow = 0;
            return Outcome.HANDED_OVER;
        }
        if (closing && thrown != null) { // the producer is being closed under us
            buffer.putBack(e);
            return Outcome.STOP;
        }
        if (err instanceof RetriableException) {
            // Metadata not available within max.block.ms, or the client's buffer is full: keep the
            // record at the head so order is kept, and try again. With a connection open the broker
            // is slow (e.g. still starting), not away, unless that goes on.
            buffer.putBack(e);
            if (!connected() || ++refusalsInARow >= 3) markDown();
            return Outcome.RETRY;
        }
        buffer.failed();
        reportFailure(err);
        return Outcome.HANDED_OVER;
    }

    private void pause() throws InterruptedException {
        if (closing) {
            Thread.sleep(20); // close() is waiting: retry soon, but never spin
        } else {
            closeSignal.await(RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Declares Kafka unreachable once records have waited {@code unreachableAfter} without an
     * acknowledgement while the client holds no connection, or six times that long regardless (a
     * broker that accepts connections but never answers). A connected broker that is merely slow,
     * e.g. just after it started, does not count.
     */
    private void checkReachable() {
        long now = System.nanoTime();
        long waited = now - lastProgressNanos;
        if (buffer.inKafka() == 0) {
            lastProgressNanos = now; // nothing outstanding: nothing to wait for
        } else if (waited > unreachableAfterNanos && (!connected() || waited / 6 > unreachableAfterNanos)) {
            markDown();
        }
    }

    /** True while the producer has at least one open (or opening) broker connection. */
    private boolean connected() {
        if (connectionCount == null) {
            for (Map.Entry<MetricName, ? extends Metric> m : producer.metrics().entrySet()) {
                if (m.getKey().name().equals("connection-count")
                        && m.getKey().group().equals("producer-metrics")) {
                    connectionCount = m.getValue();
                }
            }
            if (connectionCount == null) return false; // no such metric: fall back to time alone
        }
        return connectionCount.metricValue() instanceof Number n && n.doubleValue() > 0;
    }

    private void markDown() {
        synchronized (reachLock) {
            if (down || closing) return;
            down = true;
            warn("grokwatch: Kafka at " + servers + " is unreachable; training continues, records are buffered ("
                    + buffer.stats().dropped() + " dropped so far)");
        }
    }

    private void acknowledged() {
        lastProgressNanos = System.nanoTime();
        synchronized (reachLock) {
            if (!down) return;
            down = false;
            PublishStats s = buffer.stats();
            warn("grokwatch: Kafka at " + servers + " is reachable again; delivering " + s.pending()
                    + " buffered records (" + s.dropped() + " dropped so far)");
        }
    }

    private void reportFailure(Exception err) {
        if (failureKindsWarned.add(err.getClass())) {
            warn("grokwatch: Kafka at " + servers + " did not take a record (" + describe(err)
                    + "); it is counted as failed and training continues");
        }
    }

    private void warn(String line) {
        try {
            warnings.accept(line);
        } catch (RuntimeException ignored) {
            // a broken warning sink must not stop publishing
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The outcome of one record. Runs on the producer's I/O thread, or inside send() on rejection. */
    private final class Delivery implements Callback {
        private volatile Exception rejected;

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && Thread.currentThread() == sender) {
                // KafkaProducer reports a record it refused to take (e.g. metadata timeout) through the
                // callback, synchronously inside send(); send() decides what happens to it.
                rejected = exception;
                return;
            }
            if (exception == null) {
                buffer.delivered();
                acknowledged();
            } else {
                buffer.failed();
                if (!closing) reportFailure(exception);
            }
        }
    }

    /** Configures a {@link RunPublisher}; {@link #start()} validates, connects lazily and starts sending. */
    public static final class Builder {
        private Properties kafka = new Properties();
        private int bufferCapacity = 50_000;
        private Consumer<String> warnings = System.err::println;
        private Duration unreachableAfter = Duration.ofSeconds(5);

        private Builder() {}

        /**
         * Kafka client settings; {@code bootstrap.servers} is required. Copied; they may override
         * grokwatch's producer defaults (see {@link RunPublisher#producerConfig}).
         */
        public Builder kafkaProperties(Properties kafka) {
            this.kafka = KafkaClientSettings.copy(kafka);
            return this;
        }

        /** Shortcut for the {@code bootstrap.servers} setting. */
        public Builder bootstrapServers(String servers) {
            kafka.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(servers, "bootstrapServers"));
            return this;
        }

        /**
         * How many records may be held (queued or awaiting acknowledgement) before new ones are
         * dropped; default 50,000 (a few minutes of an outage at hundreds of evaluated steps per second).
         */
        public Builder bufferCapacity(int records) {
            if (records < 1) throw new IllegalArgumentException("bufferCapacity must be >= 1, got " + records);
            this.bufferCapacity = records;
            return this;
        }

        /** Where the one-line warnings go (unreachable, reachable again, buffer full, losses); default stderr. */
        public Builder warnings(Consumer<String> sink) {
            this.warnings = Objects.requireNonNull(sink, "warnings");
            return this;
        }

        /**
         * How long records may wait without an acknowledgement, with no broker connection open,
         * before Kafka counts as unreachable (with a connection open: six times this); default 5 s.
         */
        public Builder unreachableAfter(Duration d) {
            this.unreachableAfter = KafkaClientSettings.positive("unreachableAfter", d);
            return this;
        }

        /**
         * Creates the producer and starts the sender thread. Does not wait for the broker.
         *
         * @throws IllegalArgumentException if bootstrap.servers is missing or the client settings are invalid
         */
        public RunPublisher start() {
            KafkaClientSettings.requireBootstrapServers(kafka);
            Producer<String, Event> producer;
            try {
                producer = new KafkaProducer<>(producerConfig(kafka));
            } catch (KafkaException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException("invalid Kafka producer settings: " + describe(cause), e);
            }
            RunPublisher p = new RunPublisher(this, producer);
            p.sender.start();
            return p;
        }
    }
}
