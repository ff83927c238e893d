package io.grokwatch.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded generators of valid records and of arbitrary JSON values, for property and fuzz tests. */
final class RandomEvents {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Field names that occur somewhere in the wire format, so random objects hit real fields. */
    private static final String[] FIELD_NAMES = {
        "type", "v", "run", "step", "time", "trainLoss", "trainAcc", "valLoss", "valAcc", "weightNorm", "task", "model",
        "config", "provenance", "seed", "status", "reason", "lastStep", "rows", "cols", "data", "encoding", "from",
                "to",
        "kind", "keyFrequencies", "rqi", "pca2d", "id", "command", "partition", "offset", "payload", "error", "x"
    };

    private static final long[] EDGE_LONGS = {
        Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE + 1L, Integer.MIN_VALUE - 1L, -1, 0
    };

    private final Random random;

    RandomEvents(Random random) {
        this.random = random;
    }

    // ---------------------------------------------------------------- valid records

    /** A valid record of a random type. */
    Event anyEvent() {
        EventType[] types = EventType.values();
        return event(types[random.nextInt(types.length)]);
    }

    /** A valid record of the given type with random, often extreme, field values. */
    Event event(EventType type) {
        return switch (type) {
            case STEP ->
                new StepRecord(
                        runId(),
                        nonNegativeLong(),
                        loss(),
                        accuracy(),
                        loss(),
                        accuracy(),
                        random.nextBoolean() ? null : nonNegativeLong(),
                        optFinite(),
                        optFinite(),
                        optFinite(),
                        optFinite(),
                        optFinite());
            case RUN_STARTED ->
                new RunStarted(runId(), nonNegativeLong(), nonEmptyText(), nonEmptyText(), config(), provenance());
            case RUN_FINISHED ->
                new RunFinished(
                        runId(), nonNegativeLong(), pick(RunFinished.Status.values()), optText(), nonNegativeLong());
            case EMBEDDING_SNAPSHOT -> {
                int rows = 1 + random.nextInt(6);
                int cols = 1 + random.nextInt(6);
                yield new EmbeddingSnapshot(
                        runId(),
                        nonNegativeLong(),
                        nonNegativeLong(),
                        optText(),
                        random.nextInt(200),
                        rows,
                        cols,
                        floats(rows * cols));
            }
            case TRANSITION ->
                new Transition(
                        runId(),
                        pick(Phase.values()),
                        pick(Phase.values()),
                        nonNegativeLong(),
                        nonNegativeLong(),
                        nonNegativeLong());
            case ALERT ->
                new Alert(
                        runId(),
                        pick(AlertKind.values()),
                        nonNegativeLong(),
                        nonNegativeLong(),
                        nonNegativeLong(),
                        accuracy(),
                        optText());
            case STRUCTURE ->
                new StructureAnalysis(
                        runId(),
                        nonNegativeLong(),
                        nonNegativeLong(),
                        ints(random.nextInt(5)),
                        anyDouble(),
                        anyDouble(),
                        doubles(random.nextInt(5)),
                        doubles(2 * random.nextInt(5)));
            case FORECAST -> {
                long step = nonNegativeLong() / 4;
                Long low = random.nextInt(4) == 0 ? null : step + random.nextInt(10_000);
                Long tVal = low == null || random.nextInt(4) == 0 ? null : low + random.nextInt(10_000);
                Long high = tVal == null || random.nextInt(4) == 0 ? null : tVal + random.nextInt(10_000);
                yield new Forecast(
                        runId(),
                        step,
                        nonNegativeLong(),
                        random.nextBoolean() ? null : 1L + random.nextInt(100_000),
                        tVal,
                        low,
                        high,
                        random.nextDouble() * 50,
                        optText());
            }
            case CONTROL ->
                new ControlCommand(
                        runId(), nonEmptyText(), pick(ControlCommand.Command.values()), nonNegativeLong(), optText());
            case JOB -> {
                Map<String, Object> cfg = config();
                cfg.putIfAbsent("steps", 1 + random.nextInt(10_000));
                yield new Job(runId(), optText(), nonNegativeLong(), config(), cfg);
            }
            case DLQ ->
                new DlqRecord(
                        random.nextInt(4) == 0 ? null : runId(),
                        nonEmptyText(),
                        random.nextInt(Integer.MAX_VALUE),
                        nonNegativeLong(),
                        optText(),
                        nonEmptyText(),
                        nonNegativeLong());
        };
    }

    Provenance provenance() {
        return new Provenance(
                random.nextLong(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText(),
                nonEmptyText());
    }

    /** A config of JSON-natural values (what the codec's decoder produces), so round trips compare equal. */
    Map<String, Object> config() {
        Map<String, Object> out = new LinkedHashMap<>();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) out.put(keyText(), configValue(2));
        return out;
    }

    private Object configValue(int depth) {
        int kind = random.nextInt(depth > 0 ? 8 : 6);
        switch (kind) {
            case 0:
                return random.nextInt();
            case 1:
                return random.nextLong() | 0x1_0000_0000L; // outside int range, so it decodes as a Long
            case 2:
                return anyDouble();
            case 3:
                return anyText();
            case 4:
                return random.nextBoolean();
            case 5:
                return new BigInteger(80, random)
                        .add(BigInteger.valueOf(Long.MAX_VALUE))
                        .add(BigInteger.ONE);
            case 6: {
                List<Object> list = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) list.add(random.nextInt(5) == 0 ? null : configValue(depth - 1));
                return list;
            }
            default: {
                Map<String, Object> map = new LinkedHashMap<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) map.put(keyText(), configValue(depth - 1));
                return map;
            }
        }
    }

    String runId() {
        String s = nonEmptyText();
        return s.isBlank() ? "run-" + s : s;
    }

    String nonEmptyText() {
        String s = anyText();
        return s.isEmpty() ? "x" : s;
    }

    private String optText() {
        return random.nextInt(4) == 0 ? null : anyText();
    }

    /**
     * A config key: any text but unpaired surrogates, which Jackson's UTF-8 generator writes raw in
     * field names (not escaped as in values) and its parser then rejects.
     */
    private String keyText() {
        return anyText().replaceAll("[\\ud800-\\udfff]", "?"); // regexes read a valid pair as one code point
    }

    /** Text of ASCII, BMP characters, emoji, control characters and unpaired surrogates. */
    String anyText() {
        int len = random.nextInt(12);
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            switch (random.nextInt(6)) {
                case 0 -> sb.append((char) (0x20 + random.nextInt(0x5f)));
                case 1 -> sb.append((char) random.nextInt(0x20));
                case 2 -> sb.append((char) (0xa0 + random.nextInt(0xd000)));
                case 3 -> sb.appendCodePoint(0x1f600 + random.nextInt(0x40));
                case 4 -> sb.append((char) (0xd800 + random.nextInt(0x800))); // unpaired surrogate
                default -> sb.append("\"\\/{}[],:".charAt(random.nextInt(9)));
            }
        }
        return sb.toString();
    }

    long nonNegativeLong() {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextInt(100_000);
            default -> random.nextLong() & Long.MAX_VALUE;
        };
    }

    /** Any double, non-finite ones included: losses may be NaN or infinite. */
    double loss() {
        return anyDouble();
    }

    double anyDouble() {
        return switch (random.nextInt(8)) {
            case 0 -> Double.NaN;
            case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2 -> -0.0;
            case 3 -> Double.MIN_VALUE;
            case 4 -> random.nextBoolean() ? Double.MAX_VALUE : -Double.MAX_VALUE;
            case 5 -> Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL); // finite, any exponent
            default -> random.nextGaussian() * 10;
        };
    }

    double accuracy() {
        return switch (random.nextInt(4)) {
            case 0 -> 0.0;
            case 1 -> 1.0;
            default -> random.nextDouble();
        };
    }

    private Double optFinite() {
        if (random.nextInt(3) == 0) return null;
        double d = anyDouble();
        return Double.isFinite(d) ? d : random.nextDouble();
    }

    /** Floats of arbitrary bit patterns: NaN payloads, infinities, -0.0f and subnormals all occur. */
    float[] floats(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(random.nextInt());
        return out;
    }

    private int[] ints(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = random.nextBoolean() ? random.nextInt() : random.nextInt(60);
        return out;
    }

    private double[] doubles(int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = anyDouble();
        return out;
    }

    <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    // ---------------------------------------------------------------- arbitrary JSON

    /** Any JSON value: strings, numbers (huge and non-finite ones too), booleans, null, arrays, objects. */
    JsonNode jsonValue(int depth) {
        int kinds = depth > 0 ? 9 : 7;
        return switch (random.nextInt(kinds)) {
            case 0 -> NODES.textNode(jsonishText());
            case 1 -> NODES.numberNode(random.nextInt(7) - 3);
            case 2 -> NODES.numberNode(anyDouble());
            case 3 -> hugeNumber();
            case 4 -> NODES.booleanNode(random.nextBoolean());
            case 5 -> NODES.nullNode();
            case 6 -> NODES.numberNode(EDGE_LONGS[random.nextInt(EDGE_LONGS.length)]);
            case 7 -> {
                ArrayNode a = NODES.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) a.add(jsonValue(depth - 1));
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++)
                    o.set(random.nextBoolean() ? pick(FIELD_NAMES) : anyText(), jsonValue(depth - 1));
                yield o;
            }
        };
    }

    /** Numbers beyond long and double range, beyond Jackson's number-length limit, and below double precision. */
    private JsonNode hugeNumber() {
        return switch (random.nextInt(6)) {
            case 0 -> NODES.numberNode(new BigInteger(64 + random.nextInt(200), random).negate());
            case 1 -> NODES.numberNode(BigInteger.TEN.pow(20 + random.nextInt(400)));
            case 2 -> NODES.numberNode(new BigDecimal("1e" + (300 + random.nextInt(100000))));
            case 3 -> NODES.numberNode(new BigDecimal("-1e-" + (300 + random.nextInt(100000))));
            case 4 -> NODES.numberNode(BigInteger.TEN.pow(1000 + random.nextInt(200))); // over the 1000-digit limit
            default -> NODES.numberNode(new BigDecimal("12.000000000000000000000000000001"));
        };
    }

    /** Strings a decoder might be tempted to interpret: enum names, numbers, NaN, base64, record types. */
    private String jsonishText() {
        return switch (random.nextInt(8)) {
            case 0 -> pick(new String[] {"NaN", "Infinity", "-Infinity", "1", "0.5", "-1", "1e400", "true", "null"});
            case 1 -> pick(EventType.values()).wireName();
            case 2 -> pick(new String[] {"STOP", "COMPLETED", "GROKKED", "MEMORIZED", "VAL_ACC_JUMP", "f32le-base64"});
            case 3 -> EventCodec.encodeFloats(floats(random.nextInt(8)));
            case 4 -> "AAA=";
            case 5 -> "";
            case 6 -> "   ";
            default -> anyText();
        };
    }
}
