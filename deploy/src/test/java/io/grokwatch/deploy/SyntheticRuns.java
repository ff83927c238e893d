package io.grokwatch.deploy;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Job;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces the records of synthetic runs, as a trainer and the analyzer would, in stages:
 * a run that memorizes, jumps and groks (GROK), one that stays in its jump (JUMP), one that
 * diverges (DIVERGE) and one the analyzer reports stalled (STALL); plus a DLQ record, a
 * backlog for the analyzer's consumer group and a half-done sweep (SWEEP).
 */
final class SyntheticRuns implements AutoCloseable {
    static final String GROK = "grok-1";
    static final String JUMP = "jump-1";
    static final String DIVERGE = "diverge-1";
    static final String STALL = "stall-1";
    /** The sweep of {@link #sweep()}: a 2 x 2 grid of weight decay by train fraction. */
    static final String SWEEP = "sw-20261202-160000";
    /** More records than AnalyzerLagHigh's threshold of 10000. */
    static final int ANALYZER_BACKLOG = 10_001;

    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventSerde.EventSerializer serializer = new EventSerde.EventSerializer();

    SyntheticRuns(String bootstrapServers) {
        this.bootstrap = bootstrapServers;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Stage 1: four runs start; GROK and JUMP memorize (train 100%, val ~5%); STALL stops at step 300. */
    void memorize() {
        for (String run : new String[] {GROK, JUMP, DIVERGE, STALL}) {
            send(
                    Topics.RUNS,
                    new RunStarted(
                            run,
                            now(),
                            "add_mod",
                            run.equals(DIVERGE) ? "transformer" : "mlp",
                            Map.of("p", 53, "trainFraction", 0.6, "weightDecay", 0.03),
                            provenance()));
        }
        for (long step = 0; step <= 300; step += 50) {
            double train = Math.min(1.0, step / 200.0);
            for (String run : new String[] {GROK, JUMP, DIVERGE, STALL})
                send(Topics.METRICS, step(run, step, train, 0.05));
        }
        for (String run : new String[] {GROK, JUMP}) {
            send(Topics.EVENTS, new Transition(run, Phase.FITTING, Phase.MEMORIZED, 200, 300, now()));
            send(
                    Topics.EVENTS,
                    new Alert(run, AlertKind.MEMORIZED, 200, 300, now(), 0.05, "train accuracy reached 0.9"));
        }
        send(Topics.EVENTS, structure(GROK, 300, 0.2, 0.1));
        // The analyzer's t_val forecasts while memorized: GROK within its budget, JUMP never at its trend.
        send(Topics.EVENTS, new Forecast(GROK, 300, now(), 5000L, 4400L, 3600L, 5400L, 12.5, "synthetic"));
        send(Topics.EVENTS, new Forecast(JUMP, 300, now(), 5000L, null, null, null, 30.0, "synthetic"));
        producer.flush();
    }

    /**
     * Stage 2: GROK and JUMP jump (val rising); DIVERGE reports NaN losses and fails; the analyzer
     * says STALL stalled; a record lands on the DLQ; the analyzer's group falls far behind.
     */
    void jumpDivergeStall() {
        for (long step = 400; step <= 3000; step += 200) {
            double val = 0.05 + 0.5 * (step - 400) / 2600.0;
            send(Topics.METRICS, step(GROK, step, 1.0, val));
            send(Topics.METRICS, step(JUMP, step, 1.0, val));
        }
        for (String run : new String[] {GROK, JUMP}) {
            send(Topics.EVENTS, new Transition(run, Phase.MEMORIZED, Phase.GENERALIZING, 2400, 3000, now()));
            send(
                    Topics.EVENTS,
                    new Alert(run, AlertKind.VAL_ACC_JUMP, 2400, 3000, now(), 0.55, "validation accuracy is jumping"));
        }
        send(Topics.EVENTS, structure(GROK, 3000, 0.6, 0.5));

        send(
                Topics.METRICS,
                new StepRecord(DIVERGE, 350, Double.NaN, 0.5, Double.NaN, 0.05, now(), 1.0e6, 3.0, null, 0.03, 40.0));
        send(Topics.EVENTS, new Transition(DIVERGE, Phase.FITTING, Phase.DIVERGED, 350, 350, now()));
        send(Topics.EVENTS, new Alert(DIVERGE, AlertKind.DIVERGED, 350, 350, now(), 0.05, "loss is NaN"));
        send(Topics.RUNS, new RunFinished(DIVERGE, now(), RunFinished.Status.FAILED, "non-finite loss", 350));

        send(Topics.EVENTS, new Alert(STALL, AlertKind.STALLED, 300, 300, now(), 0.05, "no step for 10 minutes"));

        send(
                Topics.DLQ,
                new DlqRecord(
                        GROK,
                        Topics.METRICS,
                        0,
                        12,
                        "{\"type\":\"step\",\"run\":\"grok-1\"}",
                        "step: is required",
                        now()));
        analyzerBacklog();
        producer.flush();
    }

    /** Stage 3: GROK reaches 100% validation accuracy and groks; JUMP stays in its jump. */
    void grok() {
        for (long step = 3200; step <= 4600; step += 200) {
            send(Topics.METRICS, step(GROK, step, 1.0, Math.min(1.0, 0.55 + 0.45 * (step - 3000) / 1400.0)));
        }
        send(Topics.EVENTS, new Transition(GROK, Phase.GENERALIZING, Phase.GROKKED, 4400, 4600, now()));
        send(Topics.EVENTS, new Alert(GROK, AlertKind.GROKKED, 4400, 4600, now(), 1.0, "grokked after 4200 steps"));
        send(Topics.EVENTS, structure(GROK, 4600, 0.95, 0.9));
        producer.flush();
    }

    /**
     * A sweep half done, as workers and the analyzer would leave it: four jobs, 000 grokked and
     * finished, 001 comprehended and finished, 002 memorized and running, 003 still queued.
     */
    void sweep() {
        String[] runs = new String[4];
        for (int i = 0; i < 4; i++) {
            runs[i] = SWEEP + "-00" + i;
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("weightDecay", i % 2 == 0 ? 0.1 : 1.0);
            point.put("trainFraction", i < 2 ? 0.3 : 0.7);
            point.put("seed", 0);
            Map<String, Object> config = new LinkedHashMap<>(Map.of("preset", "simple-grokking", "steps", 5000));
            config.putAll(point);
            send(Topics.JOBS, new Job(runs[i], SWEEP, now(), point, config));
            if (i < 3) {
                Map<String, Object> started = new LinkedHashMap<>(config);
                started.put("sweep", SWEEP);
                started.put("point", point);
                send(Topics.RUNS, new RunStarted(runs[i], now(), "add_mod", "mlp", started, provenance()));
            }
        }
        send(Topics.EVENTS, new Transition(runs[0], Phase.FITTING, Phase.MEMORIZED, 20, 30, now()));
        send(Topics.EVENTS, new Transition(runs[0], Phase.MEMORIZED, Phase.GROKKED, 4400, 4410, now()));
        send(Topics.EVENTS, new Transition(runs[1], Phase.FITTING, Phase.COMPREHENDED, 85, 95, now()));
        send(Topics.EVENTS, new Transition(runs[2], Phase.FITTING, Phase.MEMORIZED, 30, 40, now()));
        send(Topics.RUNS, new RunFinished(runs[0], now(), RunFinished.Status.COMPLETED, "budget reached", 5000));
        send(Topics.RUNS, new RunFinished(runs[1], now(), RunFinished.Status.COMPLETED, "budget reached", 5000));
        producer.flush();
    }

    /**
     * Puts ANALYZER_BACKLOG records on grokwatch.embeddings (which the bridge does not read) and
     * commits offset 0 for grokwatch-analyzer there: the group lags by the whole backlog.
     */
    private void analyzerBacklog() {
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < ANALYZER_BACKLOG; i++) {
            producer.send(
                    new ProducerRecord<>(Topics.EMBEDDINGS, ("backlog-" + i).getBytes(StandardCharsets.UTF_8), value));
        }
        producer.flush();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> fromStart = new HashMap<>();
            int partitions = admin.describeTopics(java.util.List.of(Topics.EMBEDDINGS))
                    .allTopicNames()
                    .get()
                    .get(Topics.EMBEDDINGS)
                    .partitions()
                    .size();
            for (int i = 0; i < partitions; i++)
                fromStart.put(new TopicPartition(Topics.EMBEDDINGS, i), new OffsetAndMetadata(0));
            admin.alterConsumerGroupOffsets(ConsumerGroups.ANALYZER, fromStart)
                    .all()
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot commit offsets for " + ConsumerGroups.ANALYZER + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Provenance provenance() {
        return new Provenance(
                7, "sha256:0f3a", "0.1.0-SNAPSHOT", "d9d8598", "17", "Linux", "test-cpu", "cpu", "localhost");
    }

    private static StepRecord step(String run, long step, double trainAcc, double valAcc) {
        double trainLoss = Math.max(1e-4, 4.0 * (1 - trainAcc) + 1e-3);
        double valLoss = 4.0 * (1 - valAcc) + 0.01;
        double weightNorm = 40.0 - 20.0 * valAcc; // weight decay shrinks the weights as the run groks
        return new StepRecord(
                run,
                step,
                trainLoss,
                trainAcc,
                valLoss,
                valAcc,
                now(),
                weightNorm,
                0.1 + step / 10_000.0,
                1.0,
                0.03,
                250.0);
    }

    private static StructureAnalysis structure(String run, long step, double fourierShare, double rqi) {
        return new StructureAnalysis(
                run, step, now(), new int[] {4, 11, 17}, fourierShare, rqi, new double[] {0.4, 0.3}, new double[] {
                    0.1, 0.2, 0.3, 0.4
                });
    }

    private void send(String topic, Event e) {
        producer.send(new ProducerRecord<>(topic, Topics.key(e), serializer.serialize(topic, e)));
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void close() {
        producer.close();
    }
}
