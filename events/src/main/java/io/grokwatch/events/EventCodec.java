package io.grokwatch.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON codec for every grokwatch record: a {@code type} discriminator, a schema version
 * {@code v}, and the record's fields. Non-finite losses travel as the JSON tokens
 * {@code NaN}/{@code Infinity}. Unknown fields are ignored.
 *
 * <pre>{@code
 * byte[] json = EventCodec.encode(StepRecord.of("run-1", 10, 0.5, 1.0, 2.3, 0.1));
 * Event back = EventCodec.decode(json); // throws InvalidEventException naming the field
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EventCodec {

    /** The schema version written into every record; readers accept this version or older. */
    public static final int SCHEMA_VERSION = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            // Two records run together on one line must be an error, not the first one read alone.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Map.copyOf iterates in a per-JVM order: sort config keys so equal records encode equally.
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private EventCodec() {}

    // ---------------------------------------------------------------- encode

    /** The record as one line of UTF-8 JSON. */
    public static byte[] encode(Event e) {
        try {
            return MAPPER.writeValueAsBytes(toTree(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode " + e.type(), ex);
        }
    }

    /** The record as one line of JSON text (the .jsonl form). */
    public static String encodeToString(Event e) {
        return new String(encode(e), StandardCharsets.UTF_8);
    }

    /** The record as a JSON tree. */
    public static ObjectNode toTree(Event e) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("type", e.type());
        o.put("v", SCHEMA_VERSION);
        o.put("run", e.run());
        if (e instanceof StepRecord s) {
            o.put("step", s.step());
            o.put("trainLoss", s.trainLoss());
            o.put("trainAcc", s.trainAcc());
            o.put("valLoss", s.valLoss());
            o.put("valAcc", s.valAcc());
            if (s.time() != null) o.put("time", s.time());
            if (s.weightNorm() != null) o.put("weightNorm", s.weightNorm());
            if (s.weightDistance() != null) o.put("weightDistance", s.weightDistance());
            if (s.gradNorm() != null) o.put("gradNorm", s.gradNorm());
            if (s.lr() != null) o.put("lr", s.lr());
            if (s.stepsPerSecond() != null) o.put("stepsPerSecond", s.stepsPerSecond());
        } else if (e instanceof RunStarted r) {
            o.put("time", r.time());
            o.put("task", r.task());
            o.put("model", r.model());
            o.set("config", MAPPER.valueToTree(r.config()));
            Provenance p = r.provenance();
            ObjectNode pn = o.putObject("provenance");
            pn.put("seed", p.seed());
            pn.put("splitHash", p.splitHash());
            pn.put("version", p.version());
            pn.put("gitCommit", p.gitCommit());
            pn.put("jvm", p.jvm());
            pn.put("os", p.os());
            pn.put("cpu", p.cpu());
            pn.put("backend", p.backend());
            pn.put("host", p.host());
        } else if (e instanceof RunFinished r) {
            o.put("time", r.time());
            o.put("status", r.status().name());
            o.put("reason", r.reason());
            o.put("lastStep", r.lastStep());
        } else if (e instanceof EmbeddingSnapshot s) {
            o.put("step", s.step());
            o.put("time", s.time());
            o.put("task", s.task());
            o.put("modulus", s.modulus());
            o.put("rows", s.rows());
            o.put("cols", s.cols());
            o.put("encoding", "f32le-base64");
            o.put("data", encodeFloats(s.data()));
        } else if (e instanceof Transition t) {
            o.put("from", t.from().name());
            o.put("to", t.to().name());
            o.put("step", t.step());
            o.put("detectedStep", t.detectedStep());
            o.put("detectedTime", t.detectedTime());
        } else if (e instanceof Alert a) {
            o.put("kind", a.kind().name());
            o.put("step", a.step());
            o.put("detectedStep", a.detectedStep());
            o.put("detectedTime", a.detectedTime());
            o.put("valAcc", a.valAcc());
            o.put("message", a.message());
        } else if (e instanceof StructureAnalysis s) {
            o.put("step", s.step());
            o.put("time", s.time());
            ArrayNode kf = o.putArray("keyFrequencies");
            for (int k : s.keyFrequencies()) kf.add(k);
            o.put("fourierTopKShare", s.fourierTopKShare());
            o.put("rqi", s.rqi());
            ArrayNode pe = o.putArray("pcaExplained");
            for (double d : s.pcaExplained()) pe.add(d);
            ArrayNode pp = o.putArray("pca2d");
            for (double d : s.pca2d()) pp.add(d);
        } else if (e instanceof Forecast f) {
            o.put("step", f.step());
            o.put("time", f.time());
            if (f.budget() != null) o.put("budget", f.budget());
            // null, not absent: "never" is a forecast too
            putNullable(o, "tVal", f.tVal());
            putNullable(o, "low", f.low());
            putNullable(o, "high", f.high());
            o.put("valLoss", f.valLoss());
            o.put("basis", f.basis());
        } else if (e instanceof ControlCommand c) {
            o.put("id", c.id());
            o.put("command", c.command().name());
            o.put("time", c.time());
            o.put("reason", c.reason());
        } else if (e instanceof Job j) {
            o.put("sweep", j.sweep());
            o.put("time", j.time());
            // in the grid's axis order (the mapper sorts map keys): reports lay the first two axes out as x and y
            ObjectNode point = o.putObject("point");
            j.point().forEach((k, v) -> point.set(k, MAPPER.valueToTree(v)));
            o.set("config", MAPPER.valueToTree(j.config()));
        } else if (e instanceof DlqRecord d) {
            o.put("sourceTopic", d.sourceTopic());
            o.put("partition", d.partition());
            o.put("offset", d.offset());
            o.put("payload", d.payload());
            o.put("error", d.error());
            o.put("time", d.time());
        }
        return o;
    }

    private static void putNullable(ObjectNode o, String field, Long v) {
        if (v == null) o.putNull(field);
        else o.put(field, v);
    }

    // ---------------------------------------------------------------- decode

    /** Decodes one record; any problem is an {@link InvalidEventException} naming the field. */
    public static Event decode(byte[] json) {
        if (json == null) throw new InvalidEventException(null, "record is null (a tombstone?)");
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException | RuntimeException ex) {
            throw new InvalidEventException(null, "not valid JSON: " + firstLine(ex.getMessage()), ex);
        }
        return decode(root);
    }

    /** Decodes one line of JSON text. */
    public static Event decode(String json) {
        if (json == null) throw new InvalidEventException(null, "record is null");
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a record that must be of the given class. */
    public static <T extends Event> T decode(byte[] json, Class<T> expected) {
        Event e = decode(json);
        if (!expected.isInstance(e)) {
            throw new InvalidEventException(
                    "type",
                    "expected " + EventType.valueOf(typeNameOf(expected)).wireName() + ", got '" + e.type() + "'");
        }
        return expected.cast(e);
    }

    private static String typeNameOf(Class<? extends Event> c) {
        if (c == StepRecord.class) return "STEP";
        if (c == RunStarted.class) return "RUN_STARTED";
        if (c == RunFinished.class) return "RUN_FINISHED";
        if (c == EmbeddingSnapshot.class) return "EMBEDDING_SNAPSHOT";
        if (c == Transition.class) return "TRANSITION";
        if (c == Alert.class) return "ALERT";
        if (c == StructureAnalysis.class) return "STRUCTURE";
        if (c == Forecast.class) return "FORECAST";
        if (c == ControlCommand.class) return "CONTROL";
        if (c == Job.class) return "JOB";
        return "DLQ";
    }

    /** Decodes a parsed JSON tree. */
    public static Event decode(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new InvalidEventException(
                    null, "record must be a JSON object, got " + (root == null ? "nothing" : root.getNodeType()));
        }
        String typeName = text(root, "type");
        EventType type = EventType.fromWire(typeName);
        if (type == null) throw new InvalidEventException("type", "unknown record type '" + typeName + "'");
        JsonNode v = root.get("v");
        if (v != null && !v.isNull()) {
            if (!v.isIntegralNumber())
                throw new InvalidEventException("v", "must be an integer, got " + v.getNodeType());
            // canConvertToLong: 2^64+1 would otherwise truncate to 1 and pass.
            if (!v.canConvertToLong() || v.asLong() > SCHEMA_VERSION || v.asLong() < 1) {
                throw new InvalidEventException(
                        "v",
                        "schema version " + v.asText() + " is not supported (this reader knows 1.." + SCHEMA_VERSION
                                + ")");
            }
        }
        try {
            return switch (type) {
                case STEP ->
                    new StepRecord(
                            text(root, "run"),
                            integer(root, "step"),
                            number(root, "trainLoss"),
                            number(root, "trainAcc"),
                            number(root, "valLoss"),
                            number(root, "valAcc"),
                            optLong(root, "time"),
                            optFinite(root, "weightNorm"),
                            optFinite(root, "weightDistance"),
                            optFinite(root, "gradNorm"),
                            optFinite(root, "lr"),
                            optFinite(root, "stepsPerSecond"));
                case RUN_STARTED ->
                    new RunStarted(
                            text(root, "run"),
                            integer(root, "time"),
                            text(root, "task"),
                            text(root, "model"),
                            config(root),
                            provenance(root));
                case RUN_FINISHED ->
                    new RunFinished(
                            text(root, "run"),
                            integer(root, "time"),
                            enumOf(root, "status", RunFinished.Status.class),
                            optText(root, "reason"),
                            integer(root, "lastStep"));
                case EMBEDDING_SNAPSHOT -> snapshot(root);
                case TRANSITION ->
                    new Transition(
                            text(root, "run"),
                            enumOf(root, "from", Phase.class),
                            enumOf(root, "to", Phase.class),
                            integer(root, "step"),
                            integer(root, "detectedStep"),
                            integer(root, "detectedTime"));
                case ALERT ->
                    new Alert(
                            text(root, "run"),
                            enumOf(root, "kind", AlertKind.class),
                            integer(root, "step"),
                            integer(root, "detectedStep"),
                            integer(root, "detectedTime"),
                            number(root, "valAcc"),
                            optText(root, "message"));
                case STRUCTURE ->
                    new StructureAnalysis(
                            text(root, "run"),
                            integer(root, "step"),
                            integer(root, "time"),
                            intArray(root, "keyFrequencies"),
                            number(root, "fourierTopKShare"),
                            number(root, "rqi"),
                            doubleArray(root, "pcaExplained"),
                            doubleArray(root, "pca2d"));
                case FORECAST ->
                    new Forecast(
                            text(root, "run"),
                            integer(root, "step"),
                            integer(root, "time"),
                            optLong(root, "budget"),
                            nullableLong(root, "tVal"),
                            nullableLong(root, "low"),
                            nullableLong(root, "high"),
                            number(root, "valLoss"),
                            optText(root, "basis"));
                case CONTROL ->
                    new ControlCommand(
                            text(root, "run"),
                            text(root, "id"),
                            enumOf(root, "command", ControlCommand.Command.class),
                            integer(root, "time"),
                            optText(root, "reason"));
                case JOB ->
                    new Job(
                            text(root, "run"),
                            optText(root, "sweep"),
                            integer(root, "time"),
                            object(root, "point"),
                            requiredObject(root, "config"));
                case DLQ ->
                    new DlqRecord(
                            optText(root, "run"),
                            text(root, "sourceTopic"),
                            (int) intRange(root, "partition"),
                            integer(root, "offset"),
                            optText(root, "payload"),
                            text(root, "error"),
                            integer(root, "time"));
            };
        } catch (InvalidEventException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            // Defensive: anything else the records throw still leaves as the codec's own exception.
            throw new InvalidEventException(null, "invalid " + typeName + ": " + ex.getMessage(), ex);
        }
    }

    private static EmbeddingSnapshot snapshot(JsonNode root) {
        int rows = (int) intRange(root, "rows");
        int cols = (int) intRange(root, "cols");
        String enc = optText(root, "encoding");
        if (enc != null && !enc.equals("f32le-base64")) {
            throw new InvalidEventException("encoding", "unsupported encoding '" + enc + "', expected f32le-base64");
        }
        float[] data = decodeFloats(text(root, "data"));
        return new EmbeddingSnapshot(
                text(root, "run"),
                integer(root, "step"),
                integer(root, "time"),
                optText(root, "task"),
                (int) intRange(root, "modulus"),
                rows,
                cols,
                data);
    }

    private static Provenance provenance(JsonNode root) {
        JsonNode p = root.get("provenance");
        if (p == null || p.isNull()) throw new InvalidEventException("provenance", "is required");
        if (!p.isObject()) throw new InvalidEventException("provenance", "must be an object, got " + p.getNodeType());
        return new Provenance(
                integerIn(p, "provenance.", "seed"),
                textIn(p, "provenance.", "splitHash"),
                textIn(p, "provenance.", "version"),
                textIn(p, "provenance.", "gitCommit"),
                textIn(p, "provenance.", "jvm"),
                textIn(p, "provenance.", "os"),
                textIn(p, "provenance.", "cpu"),
                textIn(p, "provenance.", "backend"),
                textIn(p, "provenance.", "host"));
    }

    private static Map<String, Object> config(JsonNode root) {
        return object(root, "config");
    }

    /** A JSON object field that must be there and hold something. */
    private static Map<String, Object> requiredObject(JsonNode root, String field) {
        required(root, "", field);
        Map<String, Object> m = object(root, field);
        if (m.isEmpty()) throw new InvalidEventException(field, "must not be empty");
        return m;
    }

    /** A JSON object field as a map in its order; absent is empty. */
    private static Map<String, Object> object(JsonNode root, String field) {
        JsonNode c = root.get(field);
        if (c == null || c.isNull()) return Map.of();
        if (!c.isObject()) throw new InvalidEventException(field, "must be an object, got " + c.getNodeType());
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull()) continue; // Map.copyOf rejects nulls; an absent value says the same
            out.put(f.getKey(), MAPPER.convertValue(f.getValue(), Object.class));
        }
        return out;
    }

    // ---------------------------------------------------------------- field readers

    private static JsonNode required(JsonNode o, String prefix, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) throw new InvalidEventException(prefix + field, "is required");
        return n;
    }

    private static String text(JsonNode o, String field) {
        return textIn(o, "", field);
    }

    private static String textIn(JsonNode o, String prefix, String field) {
        JsonNode n = required(o, prefix, field);
        if (!n.isTextual()) throw new InvalidEventException(prefix + field, "must be a string, got " + n.getNodeType());
        return n.textValue();
    }

    private static String optText(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new InvalidEventException(field, "must be a string, got " + n.getNodeType());
        return n.textValue();
    }

    private static long integer(JsonNode o, String field) {
        return integerIn(o, "", field);
    }

    private static long integerIn(JsonNode o, String prefix, String field) {
        JsonNode n = required(o, prefix, field);
        return asLong(n, prefix + field);
    }

    private static long asLong(JsonNode n, String field) {
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) throw new InvalidEventException(field, "integer out of range: " + n.asText());
            return n.longValue();
        }
        // 12.0 is an integer written by a producer that only has doubles (JavaScript, Python floats).
        if (n.isFloatingPointNumber()
                && Double.isFinite(n.doubleValue())
                && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 9.0e15) {
            return (long) n.doubleValue();
        }
        throw new InvalidEventException(field, "must be an integer, got " + describe(n));
    }

    private static long intRange(JsonNode o, String field) {
        long v = integer(o, field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
            throw new InvalidEventException(field, "out of int range: " + v);
        return v;
    }

    /** A field that must be present but may be null. */
    private static Long nullableLong(JsonNode o, String field) {
        if (o.get(field) == null) throw new InvalidEventException(field, "is required (null for never)");
        return optLong(o, field);
    }

    private static Long optLong(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        return asLong(n, field);
    }

    private static double number(JsonNode o, String field) {
        JsonNode n = required(o, "", field);
        if (!n.isNumber()) throw new InvalidEventException(field, "must be a number, got " + describe(n));
        return n.doubleValue();
    }

    private static Double optFinite(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw new InvalidEventException(field, "must be a number, got " + describe(n));
        return Check.finite(field, n.doubleValue());
    }

    private static <E extends Enum<E>> E enumOf(JsonNode o, String field, Class<E> type) {
        String s = text(o, field);
        try {
            return Enum.valueOf(type, s);
        } catch (IllegalArgumentException ex) {
            throw new InvalidEventException(
                    field,
                    "unknown value '" + s + "', expected one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    private static int[] intArray(JsonNode o, String field) {
        JsonNode n = required(o, "", field);
        if (!n.isArray()) throw new InvalidEventException(field, "must be an array, got " + n.getNodeType());
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            long v = asLong(n.get(i), field + "[" + i + "]");
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
                throw new InvalidEventException(field + "[" + i + "]", "out of int range");
            out[i] = (int) v;
        }
        return out;
    }

    private static double[] doubleArray(JsonNode o, String field) {
        JsonNode n = required(o, "", field);
        if (!n.isArray()) throw new InvalidEventException(field, "must be an array, got " + n.getNodeType());
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = n.get(i);
            if (!x.isNumber())
                throw new InvalidEventException(field + "[" + i + "]", "must be a number, got " + describe(x));
            out[i] = x.doubleValue();
        }
        return out;
    }

    private static String describe(JsonNode n) {
        return n.getNodeType() == JsonNodeType.STRING
                ? "string \"" + abbreviate(n.textValue()) + "\""
                : n.getNodeType().toString().toLowerCase();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ---------------------------------------------------------------- float32 matrices

    /** Base64 of the floats as little-endian IEEE-754 binary32: bit-exact, NaN payloads included. */
    public static String encodeFloats(float[] data) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) buf.putInt(Float.floatToRawIntBits(f));
        return Base64.getEncoder().encodeToString(buf.array());
    }

    /** Inverse of {@link #encodeFloats}. */
    public static float[] decodeFloats(String b64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException ex) {
            throw new InvalidEventException("data", "not base64: " + ex.getMessage(), ex);
        }
        if (bytes.length % 4 != 0)
            throw new InvalidEventException("data", "length " + bytes.length + " bytes is not a multiple of 4");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(buf.getInt());
        return out;
    }
}
