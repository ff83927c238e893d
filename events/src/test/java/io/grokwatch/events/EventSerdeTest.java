package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Kafka serializer and deserializer, the record key, and which topic each type travels on. */
class EventSerdeTest {

    static Stream<Event> samples() {
        return SampleEvents.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void serializerAndDeserializerRoundTrip(Event e) {
        try (EventSerde.EventSerializer ser = new EventSerde.EventSerializer();
                EventSerde.EventDeserializer de = new EventSerde.EventDeserializer()) {
            String topic = EventType.of(e).topic();
            byte[] bytes = ser.serialize(topic, e);
            assertThat(bytes).isEqualTo(EventCodec.encode(e));
            assertThat(de.deserialize(topic, bytes)).isEqualTo(e);
            // The header-taking overloads that producers and consumers actually call.
            RecordHeaders headers = new RecordHeaders();
            assertThat(de.deserialize(topic, headers, ser.serialize(topic, headers, e)))
                    .isEqualTo(e);
        }
    }

    @Test
    void nullsPassThroughAsTombstones() {
        try (EventSerde.EventSerializer ser = new EventSerde.EventSerializer();
                EventSerde.EventDeserializer de = new EventSerde.EventDeserializer()) {
            assertThat(ser.serialize(Topics.METRICS, null)).isNull();
            assertThat(de.deserialize(Topics.METRICS, null)).isNull();
        }
    }

    @Test
    void theDeserializerThrowsTheCodecsException() {
        try (EventSerde.EventDeserializer de = new EventSerde.EventDeserializer()) {
            byte[] bad = "{\"type\":\"step\",\"run\":\"r\"}".getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> de.deserialize(Topics.METRICS, bad))
                    .isInstanceOf(InvalidEventException.class)
                    .hasMessage("field 'step': is required");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void kafkaCanInstantiateTheSerdeFromItsClassName() {
        // Producers and consumers configured by properties file name the classes; Kafka builds them reflectively.
        ProducerConfig producer = new ProducerConfig(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerde.EventSerializer.class.getName()));
        ConsumerConfig consumer = new ConsumerConfig(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, EventSerde.EventDeserializer.class.getName()));
        try (Serializer<Event> ser =
                        producer.getConfiguredInstance(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, Serializer.class);
                Deserializer<Event> de = consumer.getConfiguredInstance(
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, Deserializer.class)) {
            Event e = SampleEvents.step();
            assertThat(de.deserialize(Topics.METRICS, ser.serialize(Topics.METRICS, e)))
                    .isEqualTo(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void theKeyIsTheRunIdInUtf8(Event e) {
        assertThat(Topics.key(e))
                .isEqualTo(e.run().getBytes(StandardCharsets.UTF_8))
                .isEqualTo("run-1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theKeyOfANonAsciiRunIsUtf8AndADlqRecordWithoutRunIsKeyedUnknown() {
        StepRecord s = StepRecord.of("läuft-🚀", 1, 0, 0, 0, 0);
        assertThat(Topics.key(s)).isEqualTo(new byte[] {
            'l', (byte) 0xc3, (byte) 0xa4, 'u', 'f', 't', '-', (byte) 0xf0, (byte) 0x9f, (byte) 0x9a, (byte) 0x80
        });
        DlqRecord d = new DlqRecord(" ", Topics.METRICS, 0, 0, null, "bad", 0);
        assertThat(Topics.key(d)).isEqualTo("unknown".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachTypeTravelsOnItsTopic() {
        assertThat(EventType.STEP.topic()).isEqualTo("grokwatch.metrics");
        assertThat(EventType.RUN_STARTED.topic()).isEqualTo("grokwatch.runs");
        assertThat(EventType.RUN_FINISHED.topic()).isEqualTo("grokwatch.runs");
        assertThat(EventType.EMBEDDING_SNAPSHOT.topic()).isEqualTo("grokwatch.embeddings");
        assertThat(EventType.TRANSITION.topic()).isEqualTo("grokwatch.events");
        assertThat(EventType.ALERT.topic()).isEqualTo("grokwatch.events");
        assertThat(EventType.STRUCTURE.topic()).isEqualTo("grokwatch.events");
        assertThat(EventType.CONTROL.topic()).isEqualTo("grokwatch.control");
        assertThat(EventType.DLQ.topic()).isEqualTo("grokwatch.dlq");
    }

    @Test
    void allTopicsListsEveryTopicATypeUsesInDataFlowOrder() {
        Set<String> used = Stream.of(EventType.values()).map(EventType::topic).collect(Collectors.toSet());
        assertThat(Topics.ALL).containsExactlyInAnyOrderElementsOf(used).doesNotHaveDuplicates();
        assertThat(Topics.ALL)
                .containsExactly(
                        Topics.JOBS,
                        Topics.RUNS,
                        Topics.METRICS,
                        Topics.EMBEDDINGS,
                        Topics.EVENTS,
                        Topics.CONTROL,
                        Topics.DLQ);
    }

    @Test
    void wireNamesAreUniqueAndLookUpBothWays() {
        for (EventType t : EventType.values())
            assertThat(EventType.fromWire(t.wireName())).isSameAs(t);
        assertThat(EventType.fromWire("nope")).isNull();
        assertThat(EventType.fromWire(null)).isNull();
    }
}
