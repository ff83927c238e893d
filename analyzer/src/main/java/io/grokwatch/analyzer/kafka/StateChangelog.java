package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.CompactStateCodec;
import io.grokwatch.analyzer.detect.DetectorState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The compacted topic holding each run's detector state (key = run id, value =
 * {@link CompactStateCodec#encode}, headers {@code grokwatch.stop-sent} and
 * {@code grokwatch.finish-at}). Its partition i holds the
 * runs of input partition i, and only the owner of input partition i writes it, inside the
 * transaction that commits the inputs: so the state read back on assignment is exactly the state
 * after the committed offsets. See README-exactly-once.md.
 */
final class StateChangelog implements AssignmentHandler<RestoredState> {
    /** The changelog of the default consumer group. */
    static final String DEFAULT_TOPIC = "grokwatch.analyzer-state";

    static final String STOP_SENT_HEADER = "grokwatch.stop-sent";
    /** A run_finished seen before the run's last records: its lastStep, decimal UTF-8. */
    static final String FINISH_AT_HEADER = "grokwatch.finish-at";
    /** The t_val forecaster's state: the budget (-1 unknown) then its numbers, big-endian longs and doubles. */
    static final String FORECAST_HEADER = "grokwatch.forecast";

    /**
     * The auto-stop policy's state: spec length and spec (UTF-8), group length and group, last step fed, then its
     * numbers; big-endian.
     */
    static final String POLICY_HEADER = "grokwatch.policy";

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);
    /** Segment size of a changelog the analyzer creates: small, so the cleaner keeps about one version per run. */
    static final int SEGMENT_BYTES = 8 * 1024 * 1024;
    /** How long a missing input topic is waited for: a just-created one is known within milliseconds. */
    private static final Duration MISSING_TOPIC_WAIT = Duration.ofSeconds(3);

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateChangelog.class);

    private final String topic;
    private final Map<String, Object> restoreConsumerConfig;
    private final Duration restoreTimeout;
    private KafkaConsumer<String, byte[]> restorer;

    /**
     * @param clientConfig connection settings (bootstrap servers, security); group settings are
     *     dropped, the reader is a plain read_committed assign() consumer
     */
    StateChangelog(String topic, Map<String, Object> clientConfig, Duration restoreTimeout) {
        this.topic = topic;
        Map<String, Object> cfg = new HashMap<>(clientConfig);
        cfg.remove(ConsumerConfig.GROUP_ID_CONFIG);
        cfg.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        cfg.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cfg.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cfg.put(ConsumerConfig.CLIENT_ID_CONFIG, "grokwatch-state-restore-" + topic);
        this.restoreConsumerConfig = Map.copyOf(cfg);
        this.restoreTimeout = restoreTimeout;
    }

    /** The changelog topic of a consumer group: the default group keeps the documented name. */
    static String topicFor(String groupId) {
        return groupId.equals(AnalyzerService.DEFAULT_GROUP_ID) ? DEFAULT_TOPIC : DEFAULT_TOPIC + "." + groupId;
    }

    String topic() {
        return topic;
    }

    /** The changelog record of one run, for the partition its inputs come from. */
    ProducerRecord<String, byte[]> record(
            int partition,
            DetectorState state,
            boolean stopSent,
            Long finishAt,
            StoredRun.ForecastState forecast,
            StoredRun.PolicyState policy) {
        List<Header> headers = new ArrayList<>(4);
        if (forecast != null) headers.add(new RecordHeader(FORECAST_HEADER, encodeForecast(forecast)));
        if (policy != null) headers.add(new RecordHeader(POLICY_HEADER, encodePolicy(policy)));
        if (stopSent) headers.add(new RecordHeader(STOP_SENT_HEADER, TRUE));
        if (finishAt != null) {
            headers.add(
                    new RecordHeader(FINISH_AT_HEADER, Long.toString(finishAt).getBytes(StandardCharsets.UTF_8)));
        }
        // Binary, not JSON: every transaction rewrites the state of every run it touched.
        return new ProducerRecord<>(topic, partition, state.run(), CompactStateCodec.encode(state), headers);
    }

    /**
     * Reads the changelog partitions matching {@code assigned} up to their last stable offset.
     * Called after the input partitions' committed offsets were fetched, which under
     * read_committed waits for any transaction holding offsets for them; so every state write
     * that belongs to those offsets is committed and below the last stable offset.
     */
    @Override
    public RestoredState restore(Set<TopicPartition> assigned) {
        Set<Integer> partitions = new TreeSet<>();
        for (TopicPartition tp : assigned) partitions.add(tp.partition());
        Map<Integer, Map<String, StoredRun>> out = new HashMap<>();
        if (partitions.isEmpty()) return new RestoredState(out);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            tps.add(new TopicPartition(topic, p));
            out.put(p, new HashMap<>());
        }
        KafkaConsumer<String, byte[]> c = restorer();
        c.assign(tps);
        c.seekToBeginning(tps);
        Map<TopicPartition, Long> end = c.endOffsets(tps, restoreTimeout);
        long start = System.nanoTime();
        long deadline = start + restoreTimeout.toNanos();
        long read = 0;
        // Every batch rewrites the runs it touched, so a run has many versions until the cleaner compacts them:
        // keep the last record of each run and decode only that one.
        Map<Integer, Map<String, ConsumerRecord<String, byte[]>>> latest = new HashMap<>();
        for (int p : partitions) latest.put(p, new HashMap<>());
        while (!caughtUp(c, tps, end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("restoring " + topic + " " + partitions + " took longer than "
                        + restoreTimeout.toSeconds() + " s; is the broker reachable?");
            }
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                read++;
                Map<String, ConsumerRecord<String, byte[]>> runs = latest.get(r.partition());
                if (r.value() == null) {
                    runs.remove(r.key());
                } else {
                    runs.put(r.key(), r);
                }
            }
        }
        c.assign(List.of());
        int restored = 0;
        for (var e : latest.entrySet()) {
            Map<String, StoredRun> runs = out.get(e.getKey());
            for (ConsumerRecord<String, byte[]> r : e.getValue().values()) runs.put(r.key(), decode(r));
            restored += runs.size();
        }
        log.info(
                "restored {} runs of {} partitions {} from {} records in {} ms",
                restored,
                topic,
                partitions,
                read,
                (System.nanoTime() - start) / 1_000_000);
        return new RestoredState(out);
    }

    private static boolean caughtUp(
            KafkaConsumer<String, byte[]> c, List<TopicPartition> tps, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : tps) {
            if (c.position(tp) < end.get(tp)) return false;
        }
        return true;
    }

    private StoredRun decode(ConsumerRecord<String, byte[]> r) {
        try {
            Header h = r.headers().lastHeader(STOP_SENT_HEADER);
            Header f = r.headers().lastHeader(FINISH_AT_HEADER);
            Long finishAt = f == null ? null : Long.valueOf(new String(f.value(), StandardCharsets.UTF_8));
            Header fc = r.headers().lastHeader(FORECAST_HEADER);
            Header pc = r.headers().lastHeader(POLICY_HEADER);
            // Also reads the JSON that earlier versions wrote.
            return new StoredRun(
                    CompactStateCodec.decode(r.value()),
                    h != null,
                    finishAt,
                    fc == null ? null : decodeForecast(fc.value()),
                    pc == null ? null : decodePolicy(pc.value()));
        } catch (RuntimeException e) {
            // Starting the run over would repeat its transitions: exactly-once needs this state.
            throw new FatalAnalyzerException(
                    "state of run '" + r.key() + "' at " + topic + "-" + r.partition()
                            + " offset " + r.offset() + " does not decode (" + e.getMessage()
                            + "); if the detector's state format "
                            + "changed, delete topic " + topic + " and the group's offsets to reanalyze from the start",
                    e);
        }
    }

    static byte[] encodeForecast(StoredRun.ForecastState f) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 8 * f.forecaster().length);
        b.putLong(f.budget() == null ? -1 : f.budget());
        for (double d : f.forecaster()) b.putDouble(d);
        return b.array();
    }

    static StoredRun.ForecastState decodeForecast(byte[] bytes) {
        if (bytes.length < 8 || bytes.length % 8 != 0)
            throw new IllegalArgumentException(FORECAST_HEADER + " header has " + bytes.length + " bytes");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        long budget = b.getLong();
        double[] state = new double[bytes.length / 8 - 1];
        for (int i = 0; i < state.length; i++) state[i] = b.getDouble();
        return new StoredRun.ForecastState(budget < 0 ? null : budget, state);
    }

    static byte[] encodePolicy(StoredRun.PolicyState p) {
        byte[] spec = p.spec().getBytes(StandardCharsets.UTF_8);
        byte[] group = p.group().getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(4 + spec.length + 4 + group.length + 8 + 8 * p.state().length);
        b.putInt(spec.length).put(spec).putInt(group.length).put(group).putLong(p.lastStep());
        for (double d : p.state()) b.putDouble(d);
        return b.array();
    }

    static StoredRun.PolicyState decodePolicy(byte[] bytes) {
        try {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            byte[] spec = new byte[b.getInt()];
            b.get(spec);
            byte[] group = new byte[b.getInt()];
            b.get(group);
            long lastStep = b.getLong();
            if (b.remaining() % 8 != 0) throw new IllegalArgumentException(b.remaining() + " bytes left over");
            double[] state = new double[b.remaining() / 8];
            for (int i = 0; i < state.length; i++) state[i] = b.getDouble();
            return new StoredRun.PolicyState(
                    new String(spec, StandardCharsets.UTF_8),
                    new String(group, StandardCharsets.UTF_8),
                    lastStep,
                    state);
        } catch (RuntimeException e) { // BufferUnderflow, a negative length, bytes left over
            throw new IllegalArgumentException(
                    POLICY_HEADER + " header of " + bytes.length + " bytes is malformed (" + e + ")", e);
        }
    }

    private KafkaConsumer<String, byte[]> restorer() {
        if (restorer == null) {
            restorer =
                    new KafkaConsumer<>(restoreConsumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        }
        return restorer;
    }

    @Override
    public void close() {
        if (restorer != null) {
            restorer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
            restorer = null;
        }
    }

    /** A topic just created is unknown to the broker until its metadata has propagated: retry. */
    private static TopicDescription describeWhenKnown(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return describeWhenKnown(admin, topic, timeout, timeout);
    }

    /** Describes a topic, waiting up to {@code unknownFor} for one whose metadata is still on its way. */
    private static TopicDescription describeWhenKnown(Admin admin, String topic, Duration timeout, Duration unknownFor)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        long deadline = System.nanoTime() + unknownFor.toNanos();
        while (true) {
            try {
                return admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                        .get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * A changelog made by an earlier version (or by hand) with the broker's default segment size is given
     * {@link #SEGMENT_BYTES}; a size set on the topic is left alone. Without the right to alter configs it says so and
     * goes on: the analyzer works, its restarts are slower.
     */
    private static void shrinkDefaultSegments(Admin admin, String changelog, Duration timeout)
            throws InterruptedException {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
        try {
            ConfigEntry e = admin.describeConfigs(List.of(r))
                    .all()
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .get(r)
                    .get(TopicConfig.SEGMENT_BYTES_CONFIG);
            if (e == null || e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) return;
            admin.incrementalAlterConfigs(Map.of(
                            r,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES)),
                                    AlterConfigOp.OpType.SET))))
                    .all()
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            log.info(
                    "state topic {}: segment.bytes {} -> {}, so the cleaner can compact it",
                    changelog,
                    e.value(),
                    SEGMENT_BYTES);
        } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
            Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            log.warn(
                    "state topic {}: cannot set segment.bytes to {} ({}); restarts re-read more of it",
                    changelog,
                    SEGMENT_BYTES,
                    cause.getMessage() != null
                            ? cause.getMessage()
                            : cause.getClass().getSimpleName());
        }
    }

    /**
     * Checks that the inputs are co-partitioned and creates the changelog (compacted, as many
     * partitions as the inputs) if it is missing. Returns the partition count. {@code servers} only names the
     * broker in errors.
     */
    static int ensureTopic(Admin admin, String changelog, List<String> inputs, Duration timeout, String servers) {
        try {
            Map<String, TopicDescription> described = new java.util.LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            for (String t : inputs) {
                try {
                    described.put(t, describeWhenKnown(admin, t, timeout, MISSING_TOPIC_WAIT));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException))
                        throw e;
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                throw new FatalAnalyzerException((missing.size() == 1 ? "topic " : "topics ")
                        + String.join(", ", missing) + " missing on " + servers + ": create "
                        + (missing.size() == 1 ? "it" : "them")
                        + " with the other inputs' partition count (README, \"Kafka\"), or run grokwatch broker,"
                        + " which creates every grokwatch topic");
            }
            int partitions = described.get(inputs.get(0)).partitions().size();
            for (String t : inputs) {
                int n = described.get(t).partitions().size();
                if (n != partitions) {
                    throw new FatalAnalyzerException(
                            "topics " + inputs.get(0) + " (" + partitions + " partitions) and " + t + " (" + n
                                    + ") must have the same partition count: one run's records must land on the same partition number");
                }
            }
            NewTopic nt = new NewTopic(changelog, java.util.Optional.of(partitions), java.util.Optional.empty())
                    .configs(Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT,
                            // The cleaner compacts closed segments only; with the default 1 GB segment it never
                            // ran under load and a restart re-read every version of every run (240 MB in 2 min).
                            TopicConfig.SEGMENT_BYTES_CONFIG,
                            Integer.toString(SEGMENT_BYTES)));
            try {
                admin.createTopics(List.of(nt))
                        .all()
                        .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
                shrinkDefaultSegments(admin, changelog, timeout);
            }
            int n = describeWhenKnown(admin, changelog, timeout).partitions().size();
            if (n != partitions) {
                throw new FatalAnalyzerException(
                        "state topic " + changelog + " has " + n + " partitions but the inputs have " + partitions
                                + "; delete it (the analyzer recreates it) or give the inputs " + n + " partitions");
            }
            return partitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // both timeouts (the future's and the admin client's) carry no useful message of their own
            String why = cause instanceof java.util.concurrent.TimeoutException
                            || cause instanceof org.apache.kafka.common.errors.TimeoutException
                    ? "Kafka at " + servers + " did not answer within " + timeout.toSeconds()
                            + " s; is the broker running there"
                            + " (grokwatch broker starts one), and are the bootstrap servers right?"
                    : String.valueOf(
                            cause.getMessage() != null
                                    ? cause.getMessage()
                                    : cause.getClass().getSimpleName());
            throw new IllegalStateException("cannot check topics " + inputs + " and " + changelog + ": " + why, cause);
        }
    }
}
