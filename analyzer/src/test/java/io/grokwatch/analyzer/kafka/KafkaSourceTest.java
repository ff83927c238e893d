package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** The reactive source on its own: bounded buffering, pausing that keeps the consumer in its group. */
class KafkaSourceTest {
    private EmbeddedKafka kafka;

    @AfterEach
    void stopBroker() {
        if (kafka != null) kafka.close();
    }

    @Test
    void slowSubscriberPausesPartitionsButKeepsTheConsumerInItsGroup() throws Exception {
        kafka = KafkaTestSupport.startBroker(2);
        String servers = kafka.bootstrapServers();
        String topic = "source-test";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        int total = 3000;
        try (KafkaProducer<String, byte[]> p = KafkaTestSupport.producer(servers)) {
            for (int i = 0; i < total; i++) {
                p.send(new ProducerRecord<>(
                        topic, "k" + (i % 10), Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "source-test");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        // The subscriber stalls for longer than this: only polling while paused keeps the member alive.
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 500);
        KafkaSource<Void> source = KafkaSource.<Void>builder()
                .consumerConfig(config)
                .topics(List.of(topic))
                .watermarks(new Watermarks(300, 150))
                .build();

        List<String> values = new CopyOnWriteArrayList<>();
        List<SourceSignal<Void>> rebalances = new CopyOnWriteArrayList<>();
        AtomicLong maxOutstanding = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        Disposable subscription = source.receive()
                .concatMap(
                        signal -> {
                            if (!(signal instanceof SourceSignal.Batch<Void> batch)) {
                                rebalances.add(signal);
                                return Mono.empty();
                            }
                            maxOutstanding.accumulateAndGet(source.outstandingRecords(), Math::max);
                            Duration work =
                                    batches.incrementAndGet() == 3 ? Duration.ofMillis(1200) : Duration.ofMillis(2);
                            return Mono.delay(work)
                                    .doOnNext(x -> {
                                        assertThat(source.begin(batch)).isTrue();
                                        for (ConsumerRecord<String, byte[]> r : batch.records())
                                            values.add(new String(r.value(), StandardCharsets.UTF_8));
                                    })
                                    .doFinally(s -> source.finished(batch));
                        },
                        1)
                .subscribe();
        try {
            KafkaTestSupport.await("all records", Duration.ofSeconds(60), () -> values.size() >= total);
        } finally {
            subscription.dispose();
            assertThat(source.awaitStopped(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(values).hasSize(total).doesNotHaveDuplicates();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) expected.add(Integer.toString(i));
        assertThat(values).containsExactlyInAnyOrderElementsOf(expected);
        // Emitted-but-unfinished records stay within the high watermark plus the poll that crossed it.
        assertThat(maxOutstanding.get()).isGreaterThan(150).isLessThanOrEqualTo(300 + 100);
        // One assignment, never revoked: the stall did not cost the consumer its partitions.
        assertThat(rebalances).hasSize(1).first().isInstanceOf(SourceSignal.Assigned.class);
    }

    @Test
    void builderRejectsBadSettingsNamingThem() {
        assertThatThrownBy(() -> new Watermarks(100, 100))
                .hasMessage("watermarks.low must be in [0, high=100), got 100");
        assertThatThrownBy(() -> KafkaSource.builder()
                        .topics(List.of("t"))
                        .consumerConfig(Map.of("group.id", "g"))
                        .build())
                .hasMessage("consumerConfig must set bootstrap.servers");
        assertThatThrownBy(() -> KafkaSource.builder().pollTimeout(Duration.ZERO))
                .hasMessage("pollTimeout must be > 0, got PT0S");
    }
}
