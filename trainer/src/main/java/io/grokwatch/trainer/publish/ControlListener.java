package io.grokwatch.trainer.publish;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows grokwatch.control for one run and calls back on STOP and CHECKPOINT commands.
 *
 * <pre>{@code
 * try (ControlListener control = ControlListener.builder().kafkaProperties(kafka).run(runId)
 *     .since(runStartMillis).onStop(cmd -> stopFlag.set(true)).start()) {
 *   ... // the step loop checks stopFlag (or control.stopRequested()) and ends with run_finished STOPPED
 * }
 * }</pre>
 *
 * <p>One daemon thread owns a consumer without a group: it assigns every partition of the
 * control topic and seeks each to the first record at or after {@link Builder#since} (via
 * offsetsForTimes), so a command sent after the run started but before this listener was
 * following still counts. Records of other runs and records that do not decode are skipped (the analyzer sends
 * the bad ones to the DLQ).
 * Each command id is acted on once. While the broker is away the thread keeps retrying
 * quietly. Callbacks run on that thread: keep them short (set a flag).
 */
public final class ControlListener implements AutoCloseable {
    private final String run;
    private final long since;
    private final Consumer<ControlCommand> onStop;
    private final Consumer<ControlCommand> onCheckpoint;
    private final Consumer<String> warnings;
    private final Duration pollInterval;
    private final Duration retryBackoff;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final Set<String> seen = new HashSet<>(); // poll thread only
    private final AtomicLong handled = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean following;
    private volatile boolean stopRequested;

    private ControlListener(Builder b, KafkaConsumer<String, byte[]> consumer) {
        this.run = b.run;
        this.since = b.since;
        this.onStop = b.onStop;
        this.onCheckpoint = b.onCheckpoint;
        this.warnings = b.warnings;
        this.pollInterval = b.pollInterval;
        this.retryBackoff = b.retryBackoff;
        this.consumer = consumer;
        this.thread = new Thread(this::follow, "grokwatch-control-" + run);
        thread.setDaemon(true);
    }

    /** Starts configuring a listener. */
    public static Builder builder() {
        return new Builder();
    }

    /** The consumer settings a listener uses: {@code kafka}, then what a group-less reader needs. */
    public static Properties consumerConfig(Properties kafka, String run) {
        Properties p = new Properties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "grokwatch-control-" + run);
        p.putAll(kafka);
        // Partitions are assigned by hand and nothing is committed: no group, no coordinator.
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Never create the control topic with broker defaults by asking for it.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Only reached when a position is lost (e.g. a broker that lost its data): reread, ids dedupe.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** The run this listener follows. */
    public String run() {
        return run;
    }

    /** True once a STOP for this run has been seen. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** Commands acted on so far (after deduplication by id). */
    public long commandsHandled() {
        return handled.get();
    }

    /** True once the partitions are assigned and positioned at {@link Builder#since}. */
    public boolean isFollowing() {
        return following;
    }

    /** Stops the poll thread, waiting up to 2 s for it (it checks every poll interval). Idempotent. */
    @Override
    public void close() {
        running = false;
        closeSignal.countDown();
        consumer.wakeup();
        if (Thread.currentThread() == thread) return; // closed from a callback: the loop ends by itself
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ poll thread

    private void follow() {
        try {
            while (running) {
                try {
                    if (!following) {
                        following = assignAndSeek();
                        if (!following) pause();
                        continue;
                    }
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(pollInterval)) {
                        handle(r.value());
                    }
                } catch (WakeupException e) {
                    // close() woke us; the loop condition ends it
                } catch (KafkaException e) {
                    // Broker away, metadata or offsets not available yet: retry quietly.
                    pause();
                }
            }
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofMillis(500)));
            } catch (RuntimeException ignored) {
                // closing a consumer of an absent broker may complain; there is nothing left to do
            }
        }
    }

    /** Assigns all control partitions and positions each at the first record at or after {@code since}. */
    private boolean assignAndSeek() {
        Duration timeout = retryBackoff.multipliedBy(2);
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.CONTROL, timeout);
        if (infos == null || infos.isEmpty()) return false; // topic not created yet
        List<TopicPartition> partitions = infos.stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        consumer.assign(partitions);
        // End offsets first: a command written after this is found by offsetsForTimes or lies past them.
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> query = new HashMap<>();
        for (TopicPartition tp : partitions) query.put(tp, since);
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            consumer.seek(tp, at != null ? at.offset() : ends.get(tp));
        }
        return true;
    }

    private void handle(byte[] value) {
        if (value == null) return;
        Event e;
        try {
            e = EventCodec.decode(value);
        } catch (InvalidEventException bad) {
            return; // not ours to judge; the analyzer's DLQ reports bad records
        }
        if (!(e instanceof ControlCommand cmd) || !cmd.run().equals(run) || !seen.add(cmd.id())) return;
        handled.incrementAndGet();
        Consumer<ControlCommand> callback;
        if (cmd.command() == ControlCommand.Command.STOP) {
            stopRequested = true;
            callback = onStop;
        } else {
            callback = onCheckpoint;
        }
        try {
            callback.accept(cmd);
        } catch (RuntimeException ex) {
            warnings.accept("grokwatch: the " + cmd.command() + " handler of run " + run + " failed on command "
                    + cmd.id() + ": " + ex);
        }
    }

    private void pause() {
        try {
            closeSignal.await(retryBackoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            running = false;
        }
    }

    /** Configures a {@link ControlListener}; {@link #start()} validates and starts following. */
    public static final class Builder {
        private Properties kafka = new Properties();
        private String run;
        private long since = -1;
        private Consumer<ControlCommand> onStop = c -> {};
        private Consumer<ControlCommand> onCheckpoint = c -> {};
        private Consumer<String> warnings = System.err::println;
        private Duration pollInterval = Duration.ofMillis(200);
        private Duration retryBackoff = Duration.ofSeconds(1);

        private Builder() {}

        /** Kafka client settings; {@code bootstrap.servers} is required. Copied. */
        public Builder kafkaProperties(Properties kafka) {
            this.kafka = KafkaClientSettings.copy(kafka);
            return this;
        }

        /** Shortcut for the {@code bootstrap.servers} setting. */
        public Builder bootstrapServers(String servers) {
            kafka.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(servers, "bootstrapServers"));
            return this;
        }

        /** The run id to follow (required). */
        public Builder run(String run) {
            this.run = run;
            return this;
        }

        /** Epoch millis from which commands count, normally the run's start time; default: when start() is called. */
        public Builder since(long epochMillis) {
            if (epochMillis < 0) throw new IllegalArgumentException("since must be >= 0, got " + epochMillis);
            this.since = epochMillis;
            return this;
        }

        /** Called once per STOP command id for this run. */
        public Builder onStop(Consumer<ControlCommand> callback) {
            this.onStop = Objects.requireNonNull(callback, "onStop");
            return this;
        }

        /** Called once per CHECKPOINT command id for this run. */
        public Builder onCheckpoint(Consumer<ControlCommand> callback) {
            this.onCheckpoint = Objects.requireNonNull(callback, "onCheckpoint");
            return this;
        }

        /** Where a failing callback is reported; default stderr. */
        public Builder warnings(Consumer<String> sink) {
            this.warnings = Objects.requireNonNull(sink, "warnings");
            return this;
        }

        /** Longest wait of one poll, so close() is prompt; default 200 ms. */
        public Builder pollInterval(Duration d) {
            this.pollInterval = KafkaClientSettings.positive("pollInterval", d);
            return this;
        }

        /** Pause between attempts while the broker or the topic is not there; default 1 s. */
        public Builder retryBackoff(Duration d) {
            this.retryBackoff = KafkaClientSettings.positive("retryBackoff", d);
            return this;
        }

        /**
         * Creates the consumer and starts the poll thread; does not wait for the broker.
         *
         * @throws IllegalArgumentException if run or bootstrap.servers is missing, or the settings are invalid
         */
        public ControlListener start() {
            if (run == null || run.isBlank()) throw new IllegalArgumentException("run must be a non-empty run id");
            KafkaClientSettings.requireBootstrapServers(kafka);
            if (since < 0) since = System.currentTimeMillis();
            KafkaConsumer<String, byte[]> consumer;
            try {
                consumer = new KafkaConsumer<>(consumerConfig(kafka, run));
            } catch (KafkaException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException("invalid Kafka consumer settings: " + cause.getMessage(), e);
            }
            ControlListener l = new ControlListener(this, consumer);
            l.thread.start();
            return l;
        }
    }
}
