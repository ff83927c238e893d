package io.grokwatch.trainer.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The checkpoint file format: a small JSON header, then the raw arrays. Written atomically (temp file, fsync,
 * rename), so a crash leaves the previous checkpoint or the new one, never half of one.
 *
 * <pre>
 * bytes 0-7     magic "GWCKPT1\n"
 * bytes 8-11    header length H, uint32 little-endian
 * bytes 12-15   CRC-32C of the header bytes, little-endian
 * bytes 16..    header: UTF-8 JSON {format, run, step, trainReached, valReached, time, version, config, params,
 *               optimizer, filters, sampler, tensors: [{name, dtype, shape, bytes, crc32c}], dataBytes}
 * then          each tensor's bytes in header order: little-endian float32 / float64 / int32, c order
 * </pre>
 *
 * <p>{@code head -c 4096 step-0000001000.ckpt | tail -c +17} shows the header of a small checkpoint.
 */
public final class CheckpointFile {
    /** Current format version; a reader rejects newer ones. */
    public static final int FORMAT = 1;

    static final byte[] MAGIC = "GWCKPT1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX = 16;
    private static final int MAX_HEADER = 64 << 20; // a header is kilobytes; more means a corrupt length field
    private static final String SAMPLER_PERMUTATION = "sampler.permutation";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CheckpointFile() {}

    /** Writes {@code c} to {@code file} atomically, creating the parent directory if needed. */
    public static void write(Path file, Checkpoint c) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        List<Tensor> tensors = new ArrayList<>(c.tensors().values());
        if (c.sampler() != null) {
            tensors.add(Tensor.ofInts(SAMPLER_PERMUTATION, c.sampler().permutation()));
        }
        byte[] header = JSON.writeValueAsBytes(header(c, tensors));
        CRC32C crc = new CRC32C();
        crc.update(header);
        ByteBuffer prefix = ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN);
        prefix.put(MAGIC).putInt(header.length).putInt((int) crc.getValue()).flip();

        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                writeFully(ch, prefix);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : tensors) {
                    writeFully(ch, ByteBuffer.wrap(t.data()));
                }
                ch.force(true); // the data is on disk before the rename makes it the checkpoint
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    /**
     * Reads a checkpoint, checking its magic, header CRC, length and every tensor's CRC.
     *
     * @throws CorruptCheckpointException naming the file and what is wrong with it
     * @throws NoSuchFileException if there is no such file
     */
    public static Checkpoint read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < PREFIX) {
                throw new CorruptCheckpointException(file, "only " + size + " bytes, not a grokwatch checkpoint");
            }
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, prefix, file);
            byte[] magic = new byte[MAGIC.length];
            prefix.flip().get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptCheckpointException(
                        file, "it does not start with the checkpoint magic GWCKPT1 (not a grokwatch checkpoint?)");
            }
            long headerLength = Integer.toUnsignedLong(prefix.getInt());
            long headerCrc = Integer.toUnsignedLong(prefix.getInt());
            if (headerLength > MAX_HEADER || PREFIX + headerLength > size) {
                throw new CorruptCheckpointException(
                        file,
                        "header length " + headerLength + " does not fit the file's " + size + " bytes (truncated?)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBuf, file);
            byte[] header = headerBuf.array();
            CRC32C crc = new CRC32C();
            crc.update(header);
            if (crc.getValue() != headerCrc) {
                throw new CorruptCheckpointException(file, "header CRC-32C mismatch (the file was damaged)");
            }
            JsonNode h;
            try {
                h = JSON.readTree(header);
            } catch (JsonProcessingException e) {
                throw new CorruptCheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage());
            }
            return parse(file, ch, size, PREFIX + headerLength, h);
        }
    }

    private static Checkpoint parse(Path file, FileChannel ch, long size, long dataStart, JsonNode h)
            throws IOException {
        try {
            long format = requireLong(h, "format");
            if (format > FORMAT) {
                throw new CorruptCheckpointException(
                        file,
                        "format " + format + " is newer than this grokwatch reads (" + FORMAT + "); upgrade grokwatch");
            }
            long dataBytes = requireLong(h, "dataBytes");
            if (dataStart + dataBytes != size) {
                throw new CorruptCheckpointException(
                        file,
                        "the file has " + size + " bytes, the header describes " + (dataStart + dataBytes)
                                + (size < dataStart + dataBytes ? " (truncated)" : " (trailing bytes)"));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long sum = 0;
            for (JsonNode t : requireArray(h, "tensors")) {
                String name = requireText(t, "name");
                Tensor.DType dtype = Tensor.DType.parse(requireText(t, "dtype"));
                long[] shape = longs(requireArray(t, "shape"));
                long bytes = requireLong(t, "bytes");
                if (bytes < 0 || bytes > Integer.MAX_VALUE - 8 || sum + bytes > dataBytes) {
                    throw new CorruptCheckpointException(
                            file, "tensor '" + name + "' claims " + bytes + " bytes, beyond the data section");
                }
                ByteBuffer data = ByteBuffer.allocate((int) bytes);
                readFully(ch, data, file);
                Tensor tensor = new Tensor(name, dtype, shape, data.array());
                if (tensor.crc32c() != requireLong(t, "crc32c")) {
                    throw new CorruptCheckpointException(
                            file, "tensor '" + name + "' fails its CRC-32C check (the file was damaged)");
                }
                if (tensors.put(name, tensor) != null) {
                    throw new CorruptCheckpointException(file, "tensor '" + name + "' appears twice");
                }
                sum += bytes;
            }
            if (sum != dataBytes) {
                throw new CorruptCheckpointException(
                        file, "tensors hold " + sum + " bytes, dataBytes says " + dataBytes);
            }
            Tensor perm = tensors.remove(SAMPLER_PERMUTATION);
            JsonNode s = h.get("sampler");
            Trainer.SamplerState sampler = null;
            if (s != null && !s.isNull()) {
                if (perm == null) {
                    throw new CorruptCheckpointException(
                            file, "header has a sampler but no " + SAMPLER_PERMUTATION + " tensor");
                }
                sampler = new Trainer.SamplerState(
                        requireLong(s, "draws"), Math.toIntExact(requireLong(s, "position")), perm.toIntArray());
            }
            TrainConfig config;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = JSON.convertValue(requireObject(h, "config"), Map.class);
                config = TrainConfigJson.fromMap(map);
            } catch (IllegalArgumentException e) {
                throw new CorruptCheckpointException(file, "its config is invalid: " + e.getMessage());
            }
            List<Checkpoint.ParamShape> params = new ArrayList<>();
            for (JsonNode p : requireArray(h, "params")) {
                long[] shape = longs(requireArray(p, "shape"));
                if (shape.length != 2) {
                    throw new CorruptCheckpointException(file, "parameter shapes must be 2-d, got " + p);
                }
                params.add(new Checkpoint.ParamShape(requireText(p, "name"), shape[0], shape[1]));
            }
            List<String> filters = new ArrayList<>();
            for (JsonNode f : requireArray(h, "filters")) {
                filters.add(f.asText());
            }
            return new Checkpoint(
                    requireText(h, "run"),
                    requireLong(h, "step"),
                    requireLong(h, "trainReached"),
                    requireLong(h, "valReached"),
                    requireLong(h, "time"),
                    requireText(h, "version"),
                    config,
                    params,
                    requireText(h, "optimizer"),
                    filters,
                    sampler,
                    h.path("threads").asInt(0),
                    tensors);
        } catch (MissingField e) {
            throw new CorruptCheckpointException(file, e.getMessage());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptCheckpointException(file, e.getMessage());
        }
    }

    private static ObjectNode header(Checkpoint c, List<Tensor> tensors) {
        ObjectNode h = JSON.createObjectNode();
        h.put("format", FORMAT);
        h.put("run", c.run());
        h.put("step", c.step());
        h.put("trainReached", c.trainReached());
        h.put("valReached", c.valReached());
        h.put("time", c.time());
        h.put("version", c.version());
        h.set("config", JSON.valueToTree(TrainConfigJson.toMap(c.config())));
        ArrayNode params = h.putArray("params");
        for (Checkpoint.ParamShape p : c.params()) {
            ObjectNode o = params.addObject();
            o.put("name", p.name());
            o.putArray("shape").add(p.rows()).add(p.cols());
        }
        h.put("optimizer", c.optimizer());
        h.put("threads", c.threads());
        ArrayNode filters = h.putArray("filters");
        c.filters().forEach(filters::add);
        if (c.sampler() == null) {
            h.putNull("sampler");
        } else {
            h.putObject("sampler")
                    .put("draws", c.sampler().draws())
                    .put("position", c.sampler().position());
        }
        ArrayNode ts = h.putArray("tensors");
        long total = 0;
        for (Tensor t : tensors) {
            ObjectNode o = ts.addObject();
            o.put("name", t.name());
            o.put("dtype", t.dtype().wireName());
            ArrayNode shape = o.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.put("bytes", t.data().length);
            o.put("crc32c", t.crc32c());
            total += t.data().length;
        }
        h.put("dataBytes", total);
        return h;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new CorruptCheckpointException(file, "it ends early (truncated)");
            }
        }
    }

    /** Makes the rename durable; not every file system lets a directory be opened, and then there is nothing to do. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the rename itself is atomic either way
        }
    }

    private static final class MissingField extends RuntimeException {
        MissingField(String message) {
            super(message);
        }
    }

    private static JsonNode require(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw new MissingField("header lacks field '" + field + "'");
        }
        return n;
    }

    private static long requireLong(JsonNode o, String field) {
        JsonNode n = require(o, field);
        if (!n.isIntegralNumber()) {
            throw new MissingField("header field '" + field + "' must be an integer, got " + n);
        }
        return n.asLong();
    }

    private static String requireText(JsonNode o, String field) {
        JsonNode n = require(o, field);
        if (!n.isTextual()) {
            throw new MissingField("header field '" + field + "' must be a string, got " + n);
        }
        return n.asText();
    }

    private static JsonNode requireArray(JsonNode o, String field) {
        JsonNode n = require(o, field);
        if (!n.isArray()) {
            throw new MissingField("header field '" + field + "' must be an array, got " + n.getNodeType());
        }
        return n;
    }

    private static JsonNode requireObject(JsonNode o, String field) {
        JsonNode n = require(o, field);
        if (!n.isObject()) {
            throw new MissingField("header field '" + field + "' must be an object, got " + n.getNodeType());
        }
        return n;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).isIntegralNumber()) {
                throw new MissingField("shape must hold integers, got " + array);
            }
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
