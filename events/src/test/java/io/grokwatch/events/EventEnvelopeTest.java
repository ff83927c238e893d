package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The envelope every record shares: the {@code type} discriminator, the schema version {@code v}, JSON itself. */
class EventEnvelopeTest {

    private static ObjectNode step() {
        return EventCodec.toTree(SampleEvents.step());
    }

    @Test
    void aMissingVersionIsVersionOne() {
        ObjectNode json = step();
        json.remove("v");
        assertThat(EventCodec.decode(json)).isEqualTo(SampleEvents.step());
    }

    @Test
    void aNullVersionIsVersionOne() {
        ObjectNode json = step();
        json.putNull("v");
        assertThat(EventCodec.decode(json)).isEqualTo(SampleEvents.step());
    }

    @Test
    void theCurrentVersionIsOne() {
        assertThat(EventCodec.SCHEMA_VERSION).isEqualTo(1);
        assertThat(EventCodec.encodeToString(SampleEvents.step()))
                .startsWith("{\"type\":\"step\",\"v\":1,\"run\":\"run-1\",");
    }

    @Test
    void aFutureVersionIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> EventCodec.decode(step().put("v", 2)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'v': schema version 2 is not supported (this reader knows 1..1)")
                .satisfies(
                        ex -> assertThat(((InvalidEventException) ex).field()).isEqualTo("v"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, 3, Long.MAX_VALUE, Long.MIN_VALUE})
    void versionsOutsideTheKnownRangeAreRejected(long v) {
        assertThatThrownBy(() -> EventCodec.decode(step().put("v", v)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'v': schema version " + v + " is not supported (this reader knows 1..1)");
    }

    @Test
    void aVersionBeyondLongIsRejectedNotWrappedAround() {
        // 2^64 + 1 truncates to 1 as a long: it must not pass for version 1.
        BigInteger wraps = BigInteger.ONE.shiftLeft(64).add(BigInteger.ONE);
        ObjectNode json = step();
        json.set("v", json.numberNode(wraps));
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field 'v': ")
                .hasMessageContaining("18446744073709551617");
    }

    @Test
    void aVersionThatIsNotAnIntegerIsRejected() {
        assertThatThrownBy(() -> EventCodec.decode(step().put("v", "1")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'v': must be an integer, got STRING");
        assertThatThrownBy(() -> EventCodec.decode(step().put("v", 1.5)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field 'v': must be an integer");
    }

    @Test
    void aMissingTypeIsRejected() {
        ObjectNode json = step();
        json.remove("type");
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': is required");
    }

    @Test
    void anUnknownTypeIsRejected() {
        assertThatThrownBy(() -> EventCodec.decode(step().put("type", "stepp")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': unknown record type 'stepp'");
        assertThatThrownBy(() -> EventCodec.decode(step().put("type", "STEP")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': unknown record type 'STEP'");
        assertThatThrownBy(() -> EventCodec.decode(step().put("type", 3)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': must be a string, got NUMBER");
    }

    @Test
    void theTypeIsCheckedBeforeTheVersion() {
        // A reader that does not know the type cannot know what a version means for it.
        assertThatThrownBy(
                        () -> EventCodec.decode(step().put("type", "gpu_stats").put("v", 9)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': unknown record type 'gpu_stats'");
    }

    @Test
    void nullInputIsRejectedAsATombstone() {
        assertThatThrownBy(() -> EventCodec.decode((byte[]) null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("record is null (a tombstone?)")
                .satisfies(
                        ex -> assertThat(((InvalidEventException) ex).field()).isNull());
        assertThatThrownBy(() -> EventCodec.decode((String) null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("record is null");
    }

    @Test
    void notJsonIsRejectedWithTheParsersFirstLine() {
        assertThatThrownBy(() -> EventCodec.decode("{\"type\":\"step\", oops}"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("not valid JSON: ")
                .hasMessageNotContaining("\n")
                .satisfies(
                        ex -> assertThat(((InvalidEventException) ex).field()).isNull())
                .hasCauseInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] bad = "{\"type\":\"step\",\"run\":\"\u0001\"}".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 3] = (byte) 0xC3; // a lead byte followed by '"'
        assertThatThrownBy(() -> EventCodec.decode(bad))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("not valid JSON: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "[]", "[{\"type\":\"step\"}]", "\"step\"", "42", "null", "true"})
    void anythingButAnObjectIsRejected(String json) {
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("record must be a JSON object, got ")
                .satisfies(
                        ex -> assertThat(((InvalidEventException) ex).field()).isNull());
    }

    @Test
    void twoRecordsOnOneLineAreRejectedNotHalfRead() {
        // Otherwise the second record of a line with a lost newline would vanish without a trace.
        String one = EventCodec.encodeToString(SampleEvents.step());
        assertThatThrownBy(() -> EventCodec.decode(one + one))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("not valid JSON: ");
        assertThatThrownBy(() -> EventCodec.decode(one + " trailing"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("not valid JSON: ");
    }

    @Test
    void surroundingWhitespaceAndANewlineAreFine() {
        String line = "  " + EventCodec.encodeToString(SampleEvents.step()) + "\r\n";
        assertThat(EventCodec.decode(line)).isEqualTo(SampleEvents.step());
    }

    @Test
    void theExceptionNamesItsField() {
        InvalidEventException withField = new InvalidEventException("lr", "must be finite, got NaN");
        assertThat(withField)
                .hasMessage("field 'lr': must be finite, got NaN")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(withField.field()).isEqualTo("lr");
        InvalidEventException whole = new InvalidEventException(null, "not valid JSON: x", new RuntimeException("x"));
        assertThat(whole).hasMessage("not valid JSON: x").hasCauseInstanceOf(RuntimeException.class);
        assertThat(whole.field()).isNull();
    }
}
