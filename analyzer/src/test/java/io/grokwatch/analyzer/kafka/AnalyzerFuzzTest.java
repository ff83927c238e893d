package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.bench.SyntheticRuns;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * 10,000 bad records on every topic the analyzer consumes (metrics, runs, embeddings, control), interleaved with good
 * runs and good control commands: truncated, oversized, wrong-type, NaN-where-not-allowed, random-byte, empty, null,
 * mis-keyed and malformed commands. Each bad one goes to the DLQ once, every good record is processed (the runs'
 * outcomes are the offline ones), and the analyzer reads every partition to its end.
 */
class AnalyzerFuzzTest {
    private static final int BAD = 10_000;
    private static final String[] TOPICS = {Topics.METRICS, Topics.RUNS, Topics.EMBEDDINGS, Topics.CONTROL};

    @Test
    void everyBadRecordGoesToTheDlqAndEveryGoodOneIsProcessed() throws Exception {
        Map<String, List<StepRecord>> runs = SyntheticRuns.runs("fuzz-", 8, 250, 11);
        List<StepRecord> good = SyntheticRuns.interleave(runs);
        SplittableRandom random = new SplittableRandom(2026);
        Map<String, Integer> badByKind = new HashMap<>();
        try (EmbeddedKafka kafka = KafkaTestSupport.startBroker(3)) {
            String servers = kafka.bootstrapServers();
            try (AnalyzerService analyzer = AnalyzerService.builder()
                    .bootstrapServers(servers)
                    .groupId("fuzz")
                    .instanceId("fuzz-1")
                    .maxPollRecords(500)
                    .build()
                    .start()) {
                int goodControls = 0;
                try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
                    int g = 0;
                    for (int b = 0; b < BAD; b++) {
                        // about five bad records to a good one, the good ones in order
                        if (g < good.size() && random.nextInt(6) == 0) send(p, good.get(g++));
                        StepRecord like = good.get(random.nextInt(good.size()));
                        if (random.nextInt(50) == 0) {
                            ControlCommand c = checkpoint(like.run(), b);
                            p.send(new ProducerRecord<>(Topics.CONTROL, c.run(), EventCodec.encode(c)));
                            goodControls++;
                        }
                        String topic = TOPICS[random.nextInt(TOPICS.length)];
                        Bad bad = topic.equals(Topics.CONTROL) && random.nextBoolean()
                                ? badCommand(random, checkpoint(like.run(), b))
                                : bad(random, like);
                        badByKind.merge(bad.kind, 1, Integer::sum);
                        p.send(new ProducerRecord<>(topic, bad.key, bad.value));
                    }
                    while (g < good.size()) send(p, good.get(g++));
                    p.flush();
                }
                assertThat(goodControls).isPositive();
                KafkaTestSupport.awaitCaughtUp(servers, "fuzz", List.of(TOPICS), Duration.ofSeconds(120));
                var stats = analyzer.stats().snapshot();
                assertThat(stats.dlq())
                        .as("DLQ count, by kind sent: " + badByKind)
                        .isEqualTo(BAD);
                assertThat(stats.recordsIn()).isEqualTo(BAD + good.size() + goodControls);
            }
            List<ConsumerRecord<String, byte[]>> dlq = KafkaTestSupport.readCommitted(servers, Topics.DLQ);
            assertThat(dlq).as("records on the DLQ").hasSize(BAD);
            for (ConsumerRecord<String, byte[]> r : dlq.subList(0, 50))
                assertThat(EventCodec.decode(r.value(), DlqRecord.class).error())
                        .isNotBlank();
            Map<String, List<String>> actual = new HashMap<>();
            runs.keySet().forEach(run -> actual.put(run, List.of())); // a confusion run says nothing
            KafkaTestSupport.committedEvents(servers, runs.keySet())
                    .forEach((run, events) -> actual.put(run, KafkaTestSupport.outcome(events)));
            assertThat(actual)
                    .as("the good runs' transitions and alerts")
                    .isEqualTo(KafkaTestSupport.offlineOutcome(runs, DetectorConfig.defaults()));
        }
    }

    private static void send(KafkaProducer<String, byte[]> p, StepRecord s) {
        p.send(new ProducerRecord<>(Topics.METRICS, s.run(), EventCodec.encode(s)));
    }

    private record Bad(String kind, String key, byte[] value) {}

    /** One bad record, keyed like a good run's (mostly) so that it lands among that run's records. */
    private static Bad bad(SplittableRandom random, StepRecord like) {
        String json = new String(EventCodec.encode(like), StandardCharsets.UTF_8);
        String key = like.run();
        return switch (random.nextInt(9)) {
            case 0 -> new Bad("truncated", key, utf8(json.substring(0, 1 + random.nextInt(json.length() - 1))));
            case 1 ->
                new Bad(
                        "oversized",
                        key,
                        utf8(json.replace(
                                        "\"run\":\"" + key + "\"",
                                        "\"run\":\"" + key + "\",\"pad\":\"" + "x".repeat(200_000) + "\"")
                                .replace("\"valAcc\"", "\"valAcc_\"")));
            case 2 -> new Bad("wrong-type", key, utf8(json.replaceFirst("\"step\":\\d+", "\"step\":\"ten\"")));
            case 3 -> new Bad("nan-accuracy", key, utf8(json.replaceFirst("\"valAcc\":[^,}]+", "\"valAcc\":NaN")));
            case 4 -> {
                byte[] bytes = new byte[1 + random.nextInt(400)];
                random.nextBytes(bytes);
                yield new Bad("random-bytes", random.nextBoolean() ? key : null, bytes);
            }
            case 5 -> new Bad("empty", key, new byte[0]);
            case 6 -> new Bad("null", key, null);
            case 7 -> new Bad("mis-keyed", key + "-other", utf8(json)); // valid, but under another run's key
            default -> new Bad("unknown-type", key, utf8(json.replace("\"type\":\"step\"", "\"type\":\"stepx\"")));
        };
    }

    private static ControlCommand checkpoint(String run, int n) {
        return new ControlCommand(run, "fuzz-" + n, ControlCommand.Command.CHECKPOINT, 1_700_000_000_000L + n, "fuzz");
    }

    /** A command that is almost right: an unknown command, a missing id, a negative time, a wrong key. */
    private static Bad badCommand(SplittableRandom random, ControlCommand like) {
        String json = new String(EventCodec.encode(like), StandardCharsets.UTF_8);
        String key = like.run();
        return switch (random.nextInt(5)) {
            case 0 -> new Bad("unknown-command", key, utf8(json.replace("\"CHECKPOINT\"", "\"SELF_DESTRUCT\"")));
            case 1 -> new Bad("no-id", key, utf8(json.replaceFirst("\"id\":\"[^\"]*\",?", "")));
            case 2 -> new Bad("negative-time", key, utf8(json.replaceFirst("\"time\":\\d+", "\"time\":-5")));
            case 3 -> new Bad("command-mis-keyed", key + "-other", utf8(json));
            default -> new Bad("command-no-key", null, utf8(json));
        };
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
