package io.grokwatch.cli.worker;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the topics say about runs that a worker must know before it takes a job: which runs have finished
 * (run_finished on grokwatch.runs) and which sweeps are cancelled (CANCEL on grokwatch.control).
 *
 * <p>One daemon thread reads both topics from the beginning with a group-less consumer and keeps following them.
 * {@link #caughtUpTo} tells whether it has read up to given end offsets, so a worker can wait until a run's
 * run_finished, if there is one, has been seen. Records that do not decode are skipped (the analyzer sends them to
 * the DLQ).
 */
final class RunLedger implements AutoCloseable {
    private static final List<String> TOPICS = List.of(Topics.RUNS, Topics.CONTROL);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Set<String> finished = ConcurrentHashMap.newKeySet();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Consumer<ControlCommand> onCancel;
    private final Consumer<String> warnings;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;

    RunLedger(Properties kafka, String clientId, Consumer<ControlCommand> onCancel, Consumer<String> warnings) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-ledger");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.onCancel = onCancel;
        this.warnings = warnings;
        this.thread = new Thread(this::follow, clientId + "-ledger");
        thread.setDaemon(true);
        thread.start();
    }

    /** True when {@code run}'s run_finished has been read. */
    boolean finished(String run) {
        return finished.contains(run);
    }

    /** True when a CANCEL of {@code sweep} has been read. */
    boolean cancelled(String sweep) {
        return !sweep.isEmpty() && cancelled.contains(sweep);
    }

    /** True once every partition in {@code ends} has been read up to its offset. */
    boolean caughtUpTo(Map<TopicPartition, Long> ends) {
        if (!assigned) return false;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (positions.getOrDefault(e.getKey(), 0L) < e.getValue()) return false;
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow() {
        try {
            while (running && !assign()) sleep(500);
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) read(r);
                    for (TopicPartition tp : consumer.assignment()) positions.put(tp, consumer.position(tp));
                } catch (WakeupException e) {
                    if (!running) break;
                } catch (KafkaException e) {
                    warnings.accept("grokwatch worker: reading " + TOPICS + ": " + e.getMessage() + " (retrying)");
                    sleep(1_000);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private boolean assign() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : TOPICS) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (infos == null || infos.isEmpty()) return false;
                for (PartitionInfo i : infos) parts.add(new TopicPartition(topic, i.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            assigned = true;
            return true;
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            return false;
        }
    }

    private void read(ConsumerRecord<String, byte[]> r) {
        Event e;
        try {
            e = EventCodec.decode(r.value());
        } catch (InvalidEventException bad) {
            return;
        }
        if (e instanceof RunFinished f) {
            finished.add(f.run());
        } else if (e instanceof ControlCommand c && c.command() == ControlCommand.Command.CANCEL) {
            if (cancelled.add(c.run())) onCancel.accept(c);
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
