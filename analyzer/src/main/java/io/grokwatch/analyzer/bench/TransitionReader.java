package io.grokwatch.analyzer.bench;

import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads grokwatch.events read_committed from its end, for the benches: counts each expected transition (by
 * {@link AnalyzerBench#transitionKey}) and times its first arrival from when the record that completes it was sent.
 */
final class TransitionReader extends Thread {
    private final String servers;
    private final Map<String, Long> triggerStep;
    private final Map<String, Long> sentAt;
    private final Map<String, Integer> seen = new LinkedHashMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private volatile boolean running = true;
    private volatile boolean positioned;

    TransitionReader(String servers, Map<String, Long> triggerStep, Map<String, Long> sentAt) {
        super("bench-transition-reader");
        setDaemon(true);
        this.servers = servers;
        this.triggerStep = triggerStep;
        this.sentAt = sentAt;
    }

    void awaitPositioned() {
        while (!positioned) LockSupport.parkNanos(10_000_000);
    }

    void stopReading() {
        running = false;
    }

    synchronized int distinct() {
        return seen.size();
    }

    synchronized long duplicates() {
        return seen.values().stream().mapToLong(n -> n - 1).sum();
    }

    synchronized long[] latencies() {
        return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    @Override
    public void run() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(Topics.EVENTS)
                    .forEach(pi -> tps.add(new TopicPartition(Topics.EVENTS, pi.partition())));
            consumer.assign(tps);
            consumer.seekToEnd(tps);
            tps.forEach(consumer::position);
            positioned = true;
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    if (!(EventCodec.decode(r.value()) instanceof Transition t)) continue;
                    String key = AnalyzerBench.transitionKey(t);
                    Long step = triggerStep.get(key);
                    if (step == null) continue;
                    synchronized (this) {
                        if (seen.merge(key, 1, Integer::sum) > 1) continue;
                        Long sent = sentAt.get(t.run() + "/" + step);
                        if (sent != null) latencies.add(now - sent);
                    }
                }
            }
        }
    }
}
