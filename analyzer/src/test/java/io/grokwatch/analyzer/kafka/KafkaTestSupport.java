package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Alert;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Shared helpers of the analyzer's Kafka tests: one broker per JVM, produce, read back, wait. */
final class KafkaTestSupport {
    private KafkaTestSupport() {}

    /**
     * A broker of its own for one test: every consumer group of an analyzer reads the metrics topic
     * from the start and writes the same events topic, so tests sharing a broker would re-analyze
     * each other's runs. EmbeddedKafka.start() returns once every partition takes writes.
     */
    static EmbeddedKafka startBroker(int partitions) {
        return EmbeddedKafka.builder().partitions(partitions).build().start();
    }

    static KafkaProducer<String, byte[]> producer(String servers) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    }

    /** Produces the runs' steps to grokwatch.metrics interleaved across runs, as concurrent trainers would. */
    static void produceInterleaved(String servers, Map<String, List<StepRecord>> runs) {
        produceInterleaved(servers, runs, 0);
    }

    /** As above, at about {@code perSecond} records/s (0: as fast as possible), like live trainers. */
    static void produceInterleaved(String servers, Map<String, List<StepRecord>> runs, double perSecond) {
        long start = System.nanoTime();
        int i = 0;
        try (KafkaProducer<String, byte[]> p = producer(servers)) {
            for (StepRecord s : io.grokwatch.analyzer.bench.SyntheticRuns.interleave(runs)) {
                if (perSecond > 0) {
                    long wait = start + (long) (i++ * 1e9 / perSecond) - System.nanoTime();
                    if (wait > 0) java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                p.send(new ProducerRecord<>(Topics.METRICS, s.run(), EventCodec.encode(s)));
            }
            p.flush();
        }
    }

    /** Waits until the group has {@code members} members, each with partitions assigned. */
    static void awaitMembers(String servers, String group, int members, Duration max) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            await(group + " to have " + members + " members with partitions", max, () -> {
                try {
                    var d = admin.describeConsumerGroups(List.of(group))
                            .all()
                            .get()
                            .get(group);
                    return d.members().size() == members
                            && d.members().stream()
                                    .allMatch(m ->
                                            !m.assignment().topicPartitions().isEmpty());
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** Every committed record of a topic, as of now (read_committed up to the last stable offset). */
    static List<ConsumerRecord<String, byte[]>> readCommitted(String servers, String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition()))
                    .collect(Collectors.toList());
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline)
                    throw new AssertionError("reading " + topic + " did not finish in 30 s");
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    /** The committed events on grokwatch.events of the given runs, grouped by run in topic order. */
    static Map<String, List<Event>> committedEvents(String servers, Set<String> runs) {
        Map<String, List<Event>> out = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : readCommitted(servers, Topics.EVENTS)) {
            if (!runs.contains(r.key())) continue;
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(EventCodec.decode(r.value()));
        }
        return out;
    }

    /** Transitions and alerts as comparable lines, without detectedTime (the only wall-clock field). */
    static List<String> outcome(List<Event> events) {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            if (e instanceof Transition t) {
                out.add("transition " + t.run() + " " + t.from() + "->" + t.to() + " step=" + t.step() + " detected="
                        + t.detectedStep());
            } else if (e instanceof Alert a) {
                out.add("alert " + a.run() + " " + a.kind() + " step=" + a.step() + " detected=" + a.detectedStep()
                        + " valAcc=" + a.valAcc() + " " + a.message());
            }
        }
        return out;
    }

    /** What the detector emits for each run fed directly, record by record (no Kafka). */
    static Map<String, List<String>> offlineOutcome(Map<String, List<StepRecord>> runs, DetectorConfig config) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        runs.forEach((run, steps) -> {
            RunDetector d = new RunDetector(run, config);
            List<Event> events = new ArrayList<>();
            for (StepRecord s : steps) events.addAll(d.accept(s, 0));
            out.put(run, outcome(events));
        });
        return out;
    }

    /** Waits until the group has committed offsets at the end of every partition of the topics. */
    static void awaitCaughtUp(String servers, String group, List<String> topics, Duration max) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (String t : topics) {
                admin.describeTopics(List.of(t))
                        .allTopicNames()
                        .get()
                        .get(t)
                        .partitions()
                        .forEach(p -> tps.add(new TopicPartition(t, p.partition())));
            }
            Map<TopicPartition, OffsetSpec> latest =
                    tps.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                    admin.listOffsets(latest).all().get();
            await("group " + group + " to commit to the end of " + topics, max, () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get();
                    return tps.stream()
                            .allMatch(tp -> end.get(tp).offset() == 0
                                    || (committed.get(tp) != null
                                            && committed.get(tp).offset()
                                                    >= end.get(tp).offset()));
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** Polls a condition every 50 ms until it holds or the deadline passes. */
    static void await(String what, Duration max, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("timed out after " + max.toSeconds() + " s waiting for " + what);
            Thread.sleep(50);
        }
    }
}
