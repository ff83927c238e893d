package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge, in a JVM of its own, SIGKILLed and started again on the same port under Debian's Prometheus: its run
 * gauges come back without a new record, and Prometheus reads the counters' restart from zero as one reset, so
 * increase() counts every record once.
 */
class BridgeRestartScrapeTest {
    private static final String RUN = "restart-scrape-1";
    private static final String CONSUMED = "grokwatch_bridge_records_consumed_total{topic=\"" + Topics.METRICS + "\"}";

    @Test
    void gaugesComeBackAndCountersResetOnceForPrometheus(@TempDir Path tmp) throws Exception {
        Tools.require("prometheus");
        int port = ServerProcess.freePort();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(1).build().start();
                KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers());
                PrometheusServer prometheus = PrometheusServer.builder(tmp)
                        .scrape("grokwatch-bridge", "127.0.0.1:" + port)
                        .build()
                        .start()) {
            String servers = kafka.bootstrapServers();
            ServerProcess bridge = StandaloneBridge.start("bridge-1", tmp, servers, port);
            try {
                // a first sample at 0, or increase() cannot see the first records (Prometheus counts between samples)
                await(prometheus, "the bridge scraped before any record", CONSUMED + " == 0");
                for (long step = 0; step < 20; step++) send(producer, step);
                await(prometheus, "the first 20 records scraped", CONSUMED + " == 20");
                await(prometheus, "the run's step", "grokwatch_run_step{run=\"" + RUN + "\"} == 19");
                // the bridge reads at least once: what it had not committed when killed it would count again
                awaitCommitted(servers, 20);
            } finally {
                bridge.kill();
            }
            await(prometheus, "the bridge seen down", "up{job=\"grokwatch-bridge\"} == 0");

            bridge = StandaloneBridge.start("bridge-2", tmp, servers, port);
            try {
                await(prometheus, "the bridge back, its counter from zero", CONSUMED + " == 0");
                await(
                        prometheus,
                        "the run's gauge back without a new record",
                        "grokwatch_run_step{run=\"" + RUN + "\"} == 19");
                for (long step = 20; step < 25; step++) send(producer, step);
                await(prometheus, "the 5 new records, and only them", CONSUMED + " == 5");
                assertThat(value(prometheus, "resets(" + CONSUMED + "[5m])")).isEqualTo(1);
                assertThat(value(prometheus, "increase(" + CONSUMED + "[5m])"))
                        .as("every record counted once across the restart (with Prometheus's extrapolation)")
                        .isGreaterThanOrEqualTo(24);
            } finally {
                bridge.close();
            }
        }
    }

    private static void awaitCommitted(String servers, long offset) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", servers))) {
            TopicPartition tp = new TopicPartition(Topics.METRICS, 0);
            Poll.until(Duration.ofSeconds(30), "the bridge to commit offset " + offset + " on " + tp, () -> {
                OffsetAndMetadata o;
                try {
                    o = admin.listConsumerGroupOffsets(MetricsBridge.DEFAULT_GROUP_ID)
                            .partitionsToOffsetAndMetadata()
                            .get()
                            .get(tp);
                } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("cannot read the bridge's offsets", e);
                }
                return o != null && o.offset() >= offset ? Boolean.TRUE : null;
            });
        }
    }

    private static KafkaProducer<String, byte[]> producer(String servers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> p, long step) throws Exception {
        StepRecord s = StepRecord.of(RUN, step, 1.0 / (step + 1), 0.5, 2.0, 0.1);
        p.send(new ProducerRecord<>(Topics.METRICS, RUN, EventCodec.encode(s))).get();
    }

    private static double value(PrometheusServer prometheus, String promql) {
        JsonNode r = prometheus.query(promql);
        assertThat(r).as(promql).hasSize(1);
        return Double.parseDouble(r.get(0).path("value").get(1).asText());
    }

    private static void await(PrometheusServer prometheus, String what, String promql) throws InterruptedException {
        Predicate<JsonNode> some = r -> r.size() > 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!some.test(prometheus.query(promql))) {
            if (System.nanoTime() > deadline)
                throw new AssertionError(
                        "timed out waiting for " + what + " (" + promql + ")\n" + prometheus.logTail());
            Thread.sleep(250);
        }
    }
}
