package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every validation rule of the wire format rejects a bad record with an {@link InvalidEventException}
 * whose {@code field()} and message name the field at fault. The rules come from a table of every
 * field of every record type, checked against what the encoder writes so a new field cannot go
 * untested.
 */
class EventValidationTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Marks a case that removes the field instead of replacing it. */
    private static final JsonNode REMOVE = NODES.missingNode();

    /** What a field holds on the wire, which decides the rules it is checked against. */
    enum Kind {
        /** The run id: required non-blank string. */
        RUN,
        /** DlqRecord's run: optional string, defaults to "unknown". */
        OPT_RUN,
        /** Required non-empty string. */
        TEXT,
        /** Optional string. */
        OPT_TEXT,
        /** Required enum constant name. */
        ENUM,
        /** Required integer >= 0. */
        COUNT,
        /** Required integer, any sign (the seed). */
        SIGNED,
        /** Optional integer >= 0. */
        OPT_COUNT,
        /** Integer >= 0 or null, but present: a forecast's "never" is null, and absent is an error. */
        NULLABLE_COUNT,
        /** Required integer in [0, Integer.MAX_VALUE]. */
        INT_COUNT,
        /** Required integer in [1, Integer.MAX_VALUE]. */
        POSITIVE_INT,
        /** Required number, non-finite allowed (losses, rqi, fourierTopKShare). */
        NUMBER,
        /** Required number in [0,1]. */
        ACCURACY,
        /** Optional finite number. */
        OPT_FINITE,
        /** Required array of ints. */
        INT_ARRAY,
        /** Required array of numbers. */
        NUMBER_ARRAY,
        /** Optional JSON object. */
        CONFIG,
        /** Required non-empty JSON object (a job's config). */
        OBJECT,
        /** Required JSON object (validated field by field as provenance.*). */
        PROVENANCE,
        /** Base64 of little-endian float32, rows*cols of them. */
        DATA,
        /** Optional, must be f32le-base64. */
        ENCODING
    }

    /** Kinds a record may leave out (or send as null). */
    private static final Set<Kind> OPTIONAL =
            Set.of(Kind.OPT_RUN, Kind.OPT_TEXT, Kind.OPT_COUNT, Kind.OPT_FINITE, Kind.CONFIG, Kind.ENCODING);

    record Field(EventType type, String path, Kind kind) {}

    private static final List<Field> FIELDS = new ArrayList<>();

    private static void fields(EventType type, Object... pathsAndKinds) {
        for (int i = 0; i < pathsAndKinds.length; i += 2) {
            FIELDS.add(new Field(type, (String) pathsAndKinds[i], (Kind) pathsAndKinds[i + 1]));
        }
    }

    static {
        fields(
                EventType.STEP,
                "run",
                Kind.RUN,
                "step",
                Kind.COUNT,
                "trainLoss",
                Kind.NUMBER,
                "trainAcc",
                Kind.ACCURACY,
                "valLoss",
                Kind.NUMBER,
                "valAcc",
                Kind.ACCURACY,
                "time",
                Kind.OPT_COUNT,
                "weightNorm",
                Kind.OPT_FINITE,
                "weightDistance",
                Kind.OPT_FINITE,
                "gradNorm",
                Kind.OPT_FINITE,
                "lr",
                Kind.OPT_FINITE,
                "stepsPerSecond",
                Kind.OPT_FINITE);
        fields(
                EventType.RUN_STARTED,
                "run",
                Kind.RUN,
                "time",
                Kind.COUNT,
                "task",
                Kind.TEXT,
                "model",
                Kind.TEXT,
                "config",
                Kind.CONFIG,
                "provenance",
                Kind.PROVENANCE,
                "provenance.seed",
                Kind.SIGNED,
                "provenance.splitHash",
                Kind.TEXT,
                "provenance.version",
                Kind.TEXT,
                "provenance.gitCommit",
                Kind.TEXT,
                "provenance.jvm",
                Kind.TEXT,
                "provenance.os",
                Kind.TEXT,
                "provenance.cpu",
                Kind.TEXT,
                "provenance.backend",
                Kind.TEXT,
                "provenance.host",
                Kind.TEXT);
        fields(
                EventType.RUN_FINISHED,
                "run",
                Kind.RUN,
                "time",
                Kind.COUNT,
                "status",
                Kind.ENUM,
                "reason",
                Kind.OPT_TEXT,
                "lastStep",
                Kind.COUNT);
        fields(
                EventType.EMBEDDING_SNAPSHOT,
                "run",
                Kind.RUN,
                "step",
                Kind.COUNT,
                "time",
                Kind.COUNT,
                "task",
                Kind.OPT_TEXT,
                "modulus",
                Kind.INT_COUNT,
                "rows",
                Kind.POSITIVE_INT,
                "cols",
                Kind.POSITIVE_INT,
                "encoding",
                Kind.ENCODING,
                "data",
                Kind.DATA);
        fields(
                EventType.TRANSITION,
                "run",
                Kind.RUN,
                "from",
                Kind.ENUM,
                "to",
                Kind.ENUM,
                "step",
                Kind.COUNT,
                "detectedStep",
                Kind.COUNT,
                "detectedTime",
                Kind.COUNT);
        fields(
                EventType.ALERT,
                "run",
                Kind.RUN,
                "kind",
                Kind.ENUM,
                "step",
                Kind.COUNT,
                "detectedStep",
                Kind.COUNT,
                "detectedTime",
                Kind.COUNT,
                "valAcc",
                Kind.ACCURACY,
                "message",
                Kind.OPT_TEXT);
        fields(
                EventType.STRUCTURE,
                "run",
                Kind.RUN,
                "step",
                Kind.COUNT,
                "time",
                Kind.COUNT,
                "keyFrequencies",
                Kind.INT_ARRAY,
                "fourierTopKShare",
                Kind.NUMBER,
                "rqi",
                Kind.NUMBER,
                "pcaExplained",
                Kind.NUMBER_ARRAY,
                "pca2d",
                Kind.NUMBER_ARRAY);
        fields(
                EventType.FORECAST,
                "run",
                Kind.RUN,
                "step",
                Kind.COUNT,
                "time",
                Kind.COUNT,
                "budget",
                Kind.OPT_COUNT,
                "tVal",
                Kind.NULLABLE_COUNT,
                "low",
                Kind.NULLABLE_COUNT,
                "high",
                Kind.NULLABLE_COUNT,
                "valLoss",
                Kind.NUMBER,
                "basis",
                Kind.OPT_TEXT);
        fields(
                EventType.CONTROL,
                "run",
                Kind.RUN,
                "id",
                Kind.TEXT,
                "command",
                Kind.ENUM,
                "time",
                Kind.COUNT,
                "reason",
                Kind.OPT_TEXT);
        fields(
                EventType.JOB,
                "run",
                Kind.RUN,
                "sweep",
                Kind.OPT_TEXT,
                "time",
                Kind.COUNT,
                "point",
                Kind.CONFIG,
                "config",
                Kind.OBJECT);
        fields(
                EventType.DLQ,
                "run",
                Kind.OPT_RUN,
                "sourceTopic",
                Kind.TEXT,
                "partition",
                Kind.INT_COUNT,
                "offset",
                Kind.COUNT,
                "payload",
                Kind.OPT_TEXT,
                "error",
                Kind.TEXT,
                "time",
                Kind.COUNT);
    }

    /** One bad value for one field, and what the rejection must say. */
    record Case(Field field, JsonNode value, String expectedField, String expectedMessage) {
        Case(Field field, JsonNode value, String expectedMessage) {
            this(field, value, field.path(), expectedMessage);
        }

        @Override
        public String toString() {
            String what = value.isMissingNode() ? "without " + field.path() : field.path() + " = " + value;
            return field.type().wireName() + " " + what;
        }
    }

    @Test
    void theTableCoversEveryFieldTheEncoderWrites() {
        for (Event e : SampleEvents.all()) {
            ObjectNode tree = EventCodec.toTree(e);
            Set<String> written = new TreeSet<>();
            tree.fieldNames().forEachRemaining(written::add);
            if (tree.has("provenance"))
                tree.get("provenance").fieldNames().forEachRemaining(f -> written.add("provenance." + f));
            written.remove("type");
            written.remove("v");
            Set<String> table = FIELDS.stream()
                    .filter(f -> f.type() == EventType.of(e))
                    .map(Field::path)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(table).as(e.type()).isEqualTo(written);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyRuleRejectsWithTheFieldsName() {
        return FIELDS.stream()
                .flatMap(EventValidationTest::casesFor)
                .map(c -> dynamicTest(c.toString(), () -> assertRejected(c)));
    }

    @TestFactory
    Stream<DynamicTest> optionalFieldsMayBeAbsentOrNull() {
        return FIELDS.stream()
                .filter(f -> OPTIONAL.contains(f.kind()))
                .flatMap(f -> Stream.of(REMOVE, NODES.nullNode())
                        .map(v -> dynamicTest(
                                f.type().wireName() + " " + f.path() + (v.isMissingNode() ? " absent" : " null"),
                                () -> assertThat(EventCodec.decode(withValue(f, v))
                                                .type())
                                        .isEqualTo(f.type().wireName()))));
    }

    private static Stream<Case> casesFor(Field f) {
        List<Case> cases = new ArrayList<>();
        if (f.kind() == Kind.NULLABLE_COUNT) {
            cases.add(new Case(f, REMOVE, "is required (null for never)"));
        } else if (!OPTIONAL.contains(f.kind())) {
            cases.add(new Case(f, REMOVE, "is required"));
            cases.add(new Case(f, NODES.nullNode(), "is required"));
        }
        switch (f.kind()) {
            case RUN, TEXT -> {
                cases.add(new Case(f, NODES.numberNode(42), "must be a string, got NUMBER"));
                cases.add(new Case(f, NODES.booleanNode(true), "must be a string, got BOOLEAN"));
                cases.add(new Case(f, NODES.arrayNode(), "must be a string, got ARRAY"));
                cases.add(new Case(f, NODES.textNode(""), "must be a non-empty string"));
                if (f.kind() == Kind.RUN) cases.add(new Case(f, NODES.textNode("  \t"), "must be a non-empty string"));
            }
            case OPT_RUN, OPT_TEXT -> {
                cases.add(new Case(f, NODES.numberNode(42), "must be a string, got NUMBER"));
                cases.add(new Case(f, NODES.objectNode(), "must be a string, got OBJECT"));
            }
            case ENUM -> {
                cases.add(new Case(f, NODES.textNode("NOPE"), "unknown value 'NOPE', expected one of ["));
                String lower = EventCodec.toTree(SampleEvents.of(f.type()))
                        .get(f.path())
                        .textValue()
                        .toLowerCase();
                cases.add(new Case(f, NODES.textNode(lower), "unknown value '" + lower + "'"));
                cases.add(new Case(f, NODES.numberNode(0), "must be a string, got NUMBER"));
            }
            case COUNT, SIGNED, OPT_COUNT, NULLABLE_COUNT, INT_COUNT, POSITIVE_INT -> {
                cases.add(new Case(f, NODES.numberNode(1.5), "must be an integer, got number"));
                cases.add(new Case(f, NODES.numberNode(Double.NaN), "must be an integer, got number"));
                cases.add(new Case(f, NODES.numberNode(Double.POSITIVE_INFINITY), "must be an integer, got number"));
                cases.add(new Case(f, NODES.textNode("12"), "must be an integer, got string \"12\""));
                cases.add(new Case(f, NODES.booleanNode(false), "must be an integer, got boolean"));
                cases.add(new Case(
                        f,
                        NODES.numberNode(new BigInteger("100000000000000000000")),
                        "integer out of range: 100000000000000000000"));
                if (f.kind() == Kind.POSITIVE_INT) {
                    cases.add(new Case(f, NODES.numberNode(0), "must be > 0, got 0"));
                    cases.add(new Case(f, NODES.numberNode(-3), "must be > 0, got -3"));
                } else if (f.kind() != Kind.SIGNED) {
                    cases.add(new Case(f, NODES.numberNode(-1), "must be >= 0, got -1"));
                }
                if (f.kind() == Kind.COUNT || f.kind() == Kind.OPT_COUNT) {
                    cases.add(new Case(f, NODES.numberNode(Long.MIN_VALUE), "must be >= 0, got " + Long.MIN_VALUE));
                }
                if (f.kind() == Kind.INT_COUNT) {
                    cases.add(
                            new Case(f, NODES.numberNode(Integer.MIN_VALUE), "must be >= 0, got " + Integer.MIN_VALUE));
                }
                if (f.kind() == Kind.INT_COUNT || f.kind() == Kind.POSITIVE_INT) {
                    cases.add(new Case(f, NODES.numberNode(Long.MIN_VALUE), "out of int range: " + Long.MIN_VALUE));
                    cases.add(new Case(f, NODES.numberNode(3_000_000_000L), "out of int range: 3000000000"));
                }
            }
            case NUMBER, ACCURACY, OPT_FINITE -> {
                cases.add(new Case(f, NODES.textNode("0.5"), "must be a number, got string \"0.5\""));
                cases.add(new Case(f, NODES.textNode("NaN"), "must be a number, got string \"NaN\""));
                cases.add(new Case(f, NODES.booleanNode(true), "must be a number, got boolean"));
                cases.add(new Case(f, NODES.objectNode(), "must be a number, got object"));
                if (f.kind() == Kind.ACCURACY) {
                    cases.add(new Case(f, NODES.numberNode(1.5), "accuracy must be in [0,1], got 1.5"));
                    cases.add(new Case(f, NODES.numberNode(-0.01), "accuracy must be in [0,1], got -0.01"));
                    cases.add(new Case(f, NODES.numberNode(2), "accuracy must be in [0,1], got 2.0"));
                    cases.add(new Case(f, NODES.numberNode(Double.NaN), "accuracy must be in [0,1], got NaN"));
                    cases.add(new Case(
                            f, NODES.numberNode(Double.POSITIVE_INFINITY), "accuracy must be in [0,1], got Infinity"));
                }
                if (f.kind() == Kind.OPT_FINITE) {
                    cases.add(new Case(f, NODES.numberNode(Double.NaN), "must be finite, got NaN"));
                    cases.add(new Case(f, NODES.numberNode(Double.POSITIVE_INFINITY), "must be finite, got Infinity"));
                    cases.add(new Case(f, NODES.numberNode(Double.NEGATIVE_INFINITY), "must be finite, got -Infinity"));
                }
            }
            case INT_ARRAY -> {
                cases.add(new Case(f, NODES.numberNode(5), "must be an array, got NUMBER"));
                cases.add(new Case(f, NODES.objectNode(), "must be an array, got OBJECT"));
                cases.add(new Case(
                        f,
                        NODES.arrayNode().add(1).add("x"),
                        f.path() + "[1]",
                        "must be an integer, got string \"x\""));
                cases.add(new Case(f, NODES.arrayNode().add(1.5), f.path() + "[0]", "must be an integer, got number"));
                cases.add(new Case(f, NODES.arrayNode().addNull(), f.path() + "[0]", "must be an integer, got null"));
                cases.add(new Case(f, NODES.arrayNode().add(3_000_000_000L), f.path() + "[0]", "out of int range"));
            }
            case NUMBER_ARRAY -> {
                cases.add(new Case(f, NODES.textNode("x"), "must be an array, got STRING"));
                cases.add(new Case(
                        f, NODES.arrayNode().add(0.5).addNull(), f.path() + "[1]", "must be a number, got null"));
                cases.add(new Case(
                        f, NODES.arrayNode().add("1"), f.path() + "[0]", "must be a number, got string \"1\""));
            }
            case CONFIG -> {
                cases.add(new Case(f, NODES.arrayNode().add(1), "must be an object, got ARRAY"));
                cases.add(new Case(f, NODES.textNode("lr=3"), "must be an object, got STRING"));
            }
            case OBJECT -> {
                cases.add(new Case(f, NODES.arrayNode().add(1), "must be an object, got ARRAY"));
                cases.add(new Case(f, NODES.objectNode(), "must not be empty"));
            }
            case PROVENANCE -> {
                cases.add(new Case(f, NODES.textNode("x"), "must be an object, got STRING"));
                cases.add(new Case(f, NODES.arrayNode(), "must be an object, got ARRAY"));
            }
            case DATA -> {
                cases.add(new Case(f, NODES.numberNode(1), "must be a string, got NUMBER"));
                cases.add(new Case(f, NODES.textNode("!!not base64!!"), "not base64: "));
                cases.add(new Case(f, NODES.textNode("AAA="), "length 2 bytes is not a multiple of 4"));
                cases.add(new Case(
                        f, NODES.textNode(EventCodec.encodeFloats(new float[14])), "holds 14 floats, rows*cols = 15"));
                cases.add(new Case(f, NODES.textNode(""), "holds 0 floats, rows*cols = 15"));
            }
            case ENCODING -> {
                cases.add(new Case(
                        f,
                        NODES.textNode("f64le-base64"),
                        "unsupported encoding 'f64le-base64', expected f32le-base64"));
                cases.add(new Case(f, NODES.numberNode(32), "must be a string, got NUMBER"));
            }
        }
        return cases.stream();
    }

    private static void assertRejected(Case c) {
        ObjectNode json = withValue(c.field(), c.value());
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field '" + c.expectedField() + "': ")
                .hasMessageContaining(c.expectedMessage())
                .satisfies(
                        ex -> assertThat(((InvalidEventException) ex).field()).isEqualTo(c.expectedField()));
        // The same JSON as bytes goes through the parser too and must fail the same way.
        assertThatThrownBy(() -> EventCodec.decode(bytes(json)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field '" + c.expectedField() + "': ");
    }

    /** The fully populated sample of the field's type with that field replaced (or removed). */
    private static ObjectNode withValue(Field f, JsonNode value) {
        ObjectNode root = EventCodec.toTree(SampleEvents.of(f.type()));
        ObjectNode parent = root;
        String name = f.path();
        int dot = name.indexOf('.');
        if (dot > 0) {
            parent = (ObjectNode) root.get(name.substring(0, dot));
            name = name.substring(dot + 1);
        }
        if (value.isMissingNode()) parent.remove(name);
        else parent.set(name, value);
        return root;
    }

    private static byte[] bytes(JsonNode json) throws Exception {
        return JSON_TOKENS_FOR_NAN.writeValueAsBytes(json);
    }

    /** Writes NaN and Infinity as the bare JSON tokens the codec writes, not as strings. */
    private static final JsonMapper JSON_TOKENS_FOR_NAN =
            JsonMapper.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    // ---------------------------------------------------------------- exact messages of key cases

    private static final String STEP =
            "{\"type\":\"step\",\"run\":\"r1\",\"step\":%s,\"trainLoss\":%s,\"trainAcc\":0.5,\"valLoss\":1.0,\"valAcc\":%s%s}";

    private static String step(String step, String trainLoss, String valAcc, String extra) {
        return String.format(STEP, step, trainLoss, valAcc, extra);
    }

    @Test
    void accuracyOutsideTheUnitInterval() {
        assertThatThrownBy(() -> EventCodec.decode(step("1", "0.1", "1.5", "")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'valAcc': accuracy must be in [0,1], got 1.5");
    }

    @Test
    void negativeStep() {
        assertThatThrownBy(() -> EventCodec.decode(step("-1", "0.1", "0.5", "")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'step': must be >= 0, got -1");
    }

    @Test
    void missingRun() {
        String json = "{\"type\":\"step\",\"step\":1,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":1,\"valAcc\":0.5}";
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'run': is required");
    }

    @Test
    void stringWhereANumberBelongs() {
        assertThatThrownBy(() -> EventCodec.decode(step("1", "\"0.1\"", "0.5", "")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'trainLoss': must be a number, got string \"0.1\"");
    }

    @Test
    void numberWhereAStringBelongs() {
        String json = step("1", "0.1", "0.5", "").replace("\"run\":\"r1\"", "\"run\":7");
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'run': must be a string, got NUMBER");
    }

    @Test
    void nonFiniteWeightNorm() {
        assertThatThrownBy(() -> EventCodec.decode(step("1", "0.1", "0.5", ",\"weightNorm\":NaN")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'weightNorm': must be finite, got NaN");
    }

    @Test
    void nonFiniteValAcc() {
        assertThatThrownBy(() -> EventCodec.decode(step("1", "0.1", "-Infinity", "")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'valAcc': accuracy must be in [0,1], got -Infinity");
    }

    @Test
    void aStepWithNonFiniteLossesIsNotRejected() {
        StepRecord s = (StepRecord) EventCodec.decode(step("1", "NaN", "0.5", ",\"valLoss\":Infinity"));
        assertThat(s.trainLoss()).isNaN();
        assertThat(s.valLoss()).isInfinite();
    }

    @Test
    void emptyEmbeddingDimensions() {
        ObjectNode json = EventCodec.toTree(SampleEvents.snapshot()).put("rows", 0);
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'rows': must be > 0, got 0");
    }

    @Test
    void embeddingDataOfTheWrongLength() {
        ObjectNode json = EventCodec.toTree(SampleEvents.snapshot()).put("cols", 2);
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'data': holds 15 floats, rows*cols = 10");
    }

    @Test
    void unknownEnumValueListsTheKnownOnes() {
        ObjectNode json = EventCodec.toTree(SampleEvents.control()).put("command", "PAUSE");
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'command': unknown value 'PAUSE', expected one of [STOP, CHECKPOINT, CANCEL]");
    }

    @Test
    void missingProvenanceField() {
        ObjectNode json = EventCodec.toTree(SampleEvents.runStarted());
        ((ObjectNode) json.get("provenance")).remove("splitHash");
        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'provenance.splitHash': is required");
    }

    // ---------------------------------------------------------------- the records' own constructors

    /** Producers build records directly; the constructors enforce the same rules as the decoder. */
    @TestFactory
    Stream<DynamicTest> constructorsRejectWithTheFieldsName() {
        Provenance p = SampleEvents.PROVENANCE;
        float[] six = new float[6];
        Map<String, Runnable> cases = new java.util.LinkedHashMap<>();
        cases.put("run", () -> StepRecord.of(" ", 1, 0, 0, 0, 0));
        cases.put("step", () -> StepRecord.of("r", -1, 0, 0, 0, 0));
        cases.put("trainAcc", () -> StepRecord.of("r", 1, 0, 1.0000001, 0, 0));
        cases.put("valAcc", () -> StepRecord.of("r", 1, 0, 0, 0, Double.NaN));
        cases.put("time", () -> new StepRecord("r", 1, 0, 0, 0, 0, -5L, null, null, null, null, null));
        cases.put("weightNorm", () -> new StepRecord("r", 1, 0, 0, 0, 0, null, Double.NaN, null, null, null, null));
        cases.put(
                "weightDistance",
                () -> new StepRecord("r", 1, 0, 0, 0, 0, null, null, Double.POSITIVE_INFINITY, null, null, null));
        cases.put("gradNorm", () -> new StepRecord("r", 1, 0, 0, 0, 0, null, null, null, Double.NaN, null, null));
        cases.put("lr", () -> new StepRecord("r", 1, 0, 0, 0, 0, null, null, null, null, Double.NaN, null));
        cases.put(
                "stepsPerSecond",
                () -> new StepRecord("r", 1, 0, 0, 0, 0, null, null, null, null, null, Double.NEGATIVE_INFINITY));
        cases.put("task", () -> new RunStarted("r", 1, "", "mlp", Map.of(), p));
        cases.put("model", () -> new RunStarted("r", 1, "add", null, Map.of(), p));
        cases.put("provenance", () -> new RunStarted("r", 1, "add", "mlp", Map.of(), null));
        cases.put("provenance.host", () -> new Provenance(1, "h", "v", "g", "j", "o", "c", "b", ""));
        cases.put("status", () -> new RunFinished("r", 1, null, "", 1));
        cases.put("lastStep", () -> new RunFinished("r", 1, RunFinished.Status.FAILED, "", -1));
        cases.put("modulus", () -> new EmbeddingSnapshot("r", 1, 1, "add", -1, 2, 3, six));
        cases.put("cols", () -> new EmbeddingSnapshot("r", 1, 1, "add", 0, 2, 0, six));
        cases.put("data", () -> new EmbeddingSnapshot("r", 1, 1, "add", 0, 2, 2, six));
        cases.put("from", () -> new Transition("r", null, Phase.FITTING, 1, 1, 1));
        cases.put("detectedTime", () -> new Transition("r", Phase.FITTING, Phase.MEMORIZED, 1, 1, -1));
        cases.put("kind", () -> new Alert("r", null, 1, 1, 1, 0.5, ""));
        cases.put("keyFrequencies", () -> new StructureAnalysis("r", 1, 1, null, 0, 0, new double[0], new double[0]));
        cases.put("pca2d", () -> new StructureAnalysis("r", 1, 1, new int[0], 0, 0, new double[0], null));
        cases.put("budget", () -> new Forecast("r", 10, 1, 0L, null, null, null, 1.0, ""));
        cases.put("low", () -> new Forecast("r", 10, 1, 100L, 20L, 30L, 40L, 1.0, ""));
        cases.put("high", () -> new Forecast("r", 10, 1, 100L, 30L, 20L, 25L, 1.0, ""));
        cases.put("tVal", () -> new Forecast("r", 10, 1, 100L, null, 20L, 40L, 1.0, ""));
        cases.put("id", () -> new ControlCommand("r", "", ControlCommand.Command.STOP, 1, ""));
        cases.put("sourceTopic", () -> new DlqRecord("r", null, 0, 0, "", "boom", 1));
        cases.put("partition", () -> new DlqRecord("r", "t", -1, 0, "", "boom", 1));
        cases.put("error", () -> new DlqRecord("r", "t", 0, 0, "", "", 1));
        return cases.entrySet().stream()
                .map(c -> dynamicTest(
                        c.getKey(),
                        () -> assertThatThrownBy(c.getValue()::run)
                                .isInstanceOf(InvalidEventException.class)
                                .hasMessageStartingWith("field '" + c.getKey() + "': ")
                                .satisfies(ex -> assertThat(((InvalidEventException) ex).field())
                                        .isEqualTo(c.getKey()))));
    }

    @Test
    void aRecordAProducerCanBuildIsOneAConsumerAccepts() {
        // A config with an unset (null) value is what a producer's "option not given" looks like;
        // the decoder drops such entries, so the constructor does the same instead of failing.
        Map<String, Object> config = new java.util.HashMap<>();
        config.put("lr", 0.03);
        config.put("grokfast", null);
        RunStarted r = new RunStarted("r", 1, "add", "mlp", config, SampleEvents.PROVENANCE);
        assertThat(r.config()).containsOnlyKeys("lr");
        assertThat(EventCodec.decode(EventCodec.encode(r))).isEqualTo(r);
    }
}
