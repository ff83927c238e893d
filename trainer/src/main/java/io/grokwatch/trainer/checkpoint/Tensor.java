package io.grokwatch.trainer.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One named array of a checkpoint: its type, shape and raw little-endian bytes (c order), copied bit for bit.
 *
 * <pre>{@code Tensor t = Tensor.of("params", model.params().flatValues()); INDArray back = t.toINDArray();}</pre>
 *
 * <p>The byte array is held as given, not copied: treat it as read-only.
 */
public record Tensor(String name, DType dtype, long[] shape, byte[] data) {

    /** Element types a checkpoint holds, with their names in the file header. */
    public enum DType {
        FLOAT32("float32", 4),
        FLOAT64("float64", 8),
        INT32("int32", 4);

        private final String wireName;
        private final int bytes;

        DType(String wireName, int bytes) {
            this.wireName = wireName;
            this.bytes = bytes;
        }

        public String wireName() {
            return wireName;
        }

        public int bytes() {
            return bytes;
        }

        /** The type named {@code s} in a header, e.g. {@code float32}. */
        public static DType parse(String s) {
            for (DType d : values()) {
                if (d.wireName.equals(s)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("dtype must be one of float32, float64, int32, got '" + s + "'");
        }
    }

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "tensor " + name + " has a negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (data.length != Math.multiplyExact(n, dtype.bytes())) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " "
                    + dtype.wireName() + " needs " + n * dtype.bytes() + " bytes, got " + data.length);
        }
    }

    /** A copy of {@code a}'s values (float32, float64 or int32), flattened in c order. */
    public static Tensor of(String name, INDArray a) {
        INDArray c = a.dup('c');
        long[] shape = a.shape();
        int n = Math.toIntExact(a.length());
        ByteBuffer buf;
        DType dtype;
        switch (a.dataType()) {
            case FLOAT -> {
                dtype = DType.FLOAT32;
                buf = allocate(n, dtype);
                buf.asFloatBuffer().put(c.data().asFloat(), 0, n);
            }
            case DOUBLE -> {
                dtype = DType.FLOAT64;
                buf = allocate(n, dtype);
                buf.asDoubleBuffer().put(c.data().asDouble(), 0, n);
            }
            case INT -> {
                dtype = DType.INT32;
                buf = allocate(n, dtype);
                buf.asIntBuffer().put(c.data().asInt(), 0, n);
            }
            default ->
                throw new IllegalArgumentException("tensor " + name + " has data type " + a.dataType()
                        + "; checkpoints hold float32, float64 and int32");
        }
        return new Tensor(name, dtype, shape, buf.array());
    }

    /** A 1-d int32 tensor of {@code values}. */
    public static Tensor ofInts(String name, int[] values) {
        ByteBuffer buf = allocate(values.length, DType.INT32);
        buf.asIntBuffer().put(values);
        return new Tensor(name, DType.INT32, new long[] {values.length}, buf.array());
    }

    private static ByteBuffer allocate(int n, DType dtype) {
        return ByteBuffer.allocate(Math.multiplyExact(n, dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
    }

    public long length() {
        return data.length / dtype.bytes();
    }

    /** A new INDArray of this type and shape holding these exact bits. */
    public INDArray toINDArray() {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(length());
        INDArray flat = switch (dtype) {
            case FLOAT32 -> {
                float[] v = new float[n];
                buf.asFloatBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                buf.asDoubleBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case INT32 -> Nd4j.createFromArray(toIntArray());
        };
        return shape.length == 1 ? flat : flat.reshape('c', shape);
    }

    /** The values of an int32 tensor. */
    public int[] toIntArray() {
        if (dtype != DType.INT32) {
            throw new IllegalStateException("tensor " + name + " is " + dtype.wireName() + ", not int32");
        }
        int[] v = new int[Math.toIntExact(length())];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }

    /** CRC-32C of the raw bytes, as stored in the file header. */
    public long crc32c() {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }
}
