package io.grokwatch.events;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serializer}/{@link Deserializer} adapters over {@link EventCodec}. The
 * deserializer throws {@link InvalidEventException}; consumers that must survive bad records
 * read raw bytes instead and decode themselves (see the analyzer's DLQ handling).
 */
public final class EventSerde {
    private EventSerde() {}

    /** Serializes any grokwatch record to its JSON bytes. */
    public static final class EventSerializer implements Serializer<Event> {
        @Override
        public byte[] serialize(String topic, Event data) {
            return data == null ? null : EventCodec.encode(data);
        }
    }

    /** Deserializes JSON bytes into a grokwatch record. */
    public static final class EventDeserializer implements Deserializer<Event> {
        @Override
        public Event deserialize(String topic, byte[] data) {
            return data == null ? null : EventCodec.decode(data);
        }
    }
}
