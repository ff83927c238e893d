package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Embedding matrices travel as base64 of little-endian float32 and come back bit for bit. */
class EmbeddingSnapshotCodecTest {

    /** Bit patterns that a decimal or a canonicalising path would lose. */
    private static final int[] TRICKY_BITS = {
        0x7fc00000, // the canonical quiet NaN
        0x7fc00001, // quiet NaN with a payload
        0xffc12345, // negative quiet NaN with a payload
        0x7f800001, // signalling NaN, smallest payload
        0x7fbfffff, // signalling NaN, largest payload
        0x80000000, // -0.0f
        0x00000000, // +0.0f
        0x00000001, // smallest subnormal
        0x807fffff, // largest negative subnormal
        0x00800000, // smallest normal
        0x7f800000, // +Infinity
        0xff800000, // -Infinity
        0x7f7fffff, // Float.MAX_VALUE
        0x3f800000, // 1.0f
    };

    private static float[] tricky() {
        float[] out = new float[TRICKY_BITS.length];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(TRICKY_BITS[i]);
        return out;
    }

    private static int[] rawBits(float[] data) {
        int[] out = new int[data.length];
        for (int i = 0; i < data.length; i++) out[i] = Float.floatToRawIntBits(data[i]);
        return out;
    }

    @Test
    void trickyFloatsRoundTripBitExactly() {
        float[] data = tricky();
        // Float.equals/Arrays.equals treat all NaNs as one, so compare raw bits.
        EmbeddingSnapshot s = new EmbeddingSnapshot("run-1", 10, 20, "add", 7, 7, 2, data);
        EmbeddingSnapshot back = (EmbeddingSnapshot) EventCodec.decode(EventCodec.encode(s));
        assertThat(rawBits(back.data())).containsExactly(TRICKY_BITS);
        assertThat(back).isEqualTo(s);
    }

    @Test
    void randomBitPatternsRoundTripBitExactly() {
        Random random = new Random(20240501L);
        for (int i = 0; i < 50; i++) {
            int rows = 1 + random.nextInt(20);
            int cols = 1 + random.nextInt(20);
            int[] bits = new int[rows * cols];
            float[] data = new float[bits.length];
            for (int k = 0; k < bits.length; k++) {
                bits[k] = random.nextInt();
                data[k] = Float.intBitsToFloat(bits[k]);
            }
            EmbeddingSnapshot s = new EmbeddingSnapshot("r", i, i, "mul", 0, rows, cols, data);
            EmbeddingSnapshot back = (EmbeddingSnapshot) EventCodec.decode(EventCodec.encode(s));
            assertThat(rawBits(back.data())).containsExactly(bits);
            assertThat(back.rows()).isEqualTo(rows);
            assertThat(back.cols()).isEqualTo(cols);
        }
    }

    @Test
    void theWireFormIsLittleEndianFloat32InStandardBase64() {
        String b64 = EventCodec.encodeFloats(new float[] {1.0f, -2.5f});
        // 1.0f = 0x3f800000, -2.5f = 0xc0200000, least significant byte first.
        byte[] expected = {0x00, 0x00, (byte) 0x80, 0x3f, 0x00, 0x00, 0x20, (byte) 0xc0};
        assertThat(Base64.getDecoder().decode(b64)).containsExactly(expected);
        assertThat(b64).isEqualTo("AACAPwAAIMA=");

        String json =
                EventCodec.encodeToString(new EmbeddingSnapshot("r", 1, 2, "", 0, 1, 2, new float[] {1.0f, -2.5f}));
        assertThat(json).contains("\"encoding\":\"f32le-base64\"").contains("\"data\":\"AACAPwAAIMA=\"");
    }

    @Test
    void decodeFloatsReadsWhatNumpyWrites() {
        // numpy: base64.b64encode(np.array([...], dtype='<f4').tobytes())
        ByteBuffer buf = ByteBuffer.allocate(TRICKY_BITS.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int b : TRICKY_BITS) buf.putInt(b);
        float[] back = EventCodec.decodeFloats(Base64.getEncoder().encodeToString(buf.array()));
        assertThat(rawBits(back)).containsExactly(TRICKY_BITS);
    }

    @Test
    void anEmptyArrayEncodesAsTheEmptyString() {
        assertThat(EventCodec.encodeFloats(new float[0])).isEmpty();
        assertThat(EventCodec.decodeFloats("")).isEmpty();
    }

    @Test
    void badBase64IsRejectedNamingData() {
        assertThatThrownBy(() -> EventCodec.decodeFloats("AAAA*AAA"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field 'data': not base64: ");
        assertThatThrownBy(() -> EventCodec.decodeFloats("AAAAAAA="))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'data': length 5 bytes is not a multiple of 4");
    }

    @Test
    void accessorsReadRowMajor() {
        EmbeddingSnapshot s = new EmbeddingSnapshot("r", 1, 1, "add", 3, 3, 2, new float[] {0, 1, 10, 11, 20, 21});
        assertThat(s.get(2, 1)).isEqualTo(21f);
        assertThat(s.row(1)).containsExactly(10.0, 11.0);
        EmbeddingSnapshot back = (EmbeddingSnapshot) EventCodec.decode(EventCodec.encode(s));
        assertThat(back.get(1, 0)).isEqualTo(10f);
        assertThat(back.modulus()).isEqualTo(3);
        assertThat(back.task()).isEqualTo("add");
    }
}
