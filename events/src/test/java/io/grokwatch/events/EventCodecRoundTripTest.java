package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type survives encode then decode unchanged, in every form the codec offers. */
class EventCodecRoundTripTest {

    static Stream<Event> samples() {
        return SampleEvents.all().stream();
    }

    @Test
    void theSamplesCoverEveryRecordType() {
        assertThat(SampleEvents.all().stream().map(EventType::of)).containsExactly(EventType.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void bytesRoundTrip(Event e) {
        assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void textRoundTripsAsOneLine(Event e) {
        String line = EventCodec.encodeToString(e);
        assertThat(line).doesNotContain("\n").startsWith("{").endsWith("}");
        assertThat(EventCodec.decode(line)).isEqualTo(e);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void treeRoundTripsAndCarriesTypeAndVersion(Event e) {
        ObjectNode tree = EventCodec.toTree(e);
        assertThat(tree.get("type").textValue())
                .isEqualTo(e.type())
                .isEqualTo(EventType.of(e).wireName());
        assertThat(tree.get("v").intValue()).isEqualTo(EventCodec.SCHEMA_VERSION);
        assertThat(tree.get("run").textValue()).isEqualTo(e.run());
        assertThat(EventCodec.decode(tree)).isEqualTo(e);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void typedDecodeReturnsTheRequestedClass(Event e) {
        Event back = EventCodec.decode(EventCodec.encode(e), e.getClass());
        assertThat(back).isInstanceOf(e.getClass()).isEqualTo(e);
    }

    @Test
    void typedDecodeOfTheWrongTypeNamesTheTypeField() {
        byte[] json = EventCodec.encode(SampleEvents.alert());
        assertThatThrownBy(() -> EventCodec.decode(json, StepRecord.class))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'type': expected step, got 'alert'")
                .extracting(ex -> ((InvalidEventException) ex).field())
                .isEqualTo("type");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void encodingIsStable(Event e) {
        byte[] once = EventCodec.encode(e);
        assertThat(EventCodec.encode(EventCodec.decode(once))).isEqualTo(once);
    }

    @Test
    void equalConfigsEncodeToTheSameBytesWhateverTheirOrder() {
        Map<String, Object> ab = new java.util.LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", Map.of("y", 2, "x", 3));
        Map<String, Object> ba = new java.util.LinkedHashMap<>();
        ba.put("b", Map.of("x", 3, "y", 2));
        ba.put("a", 1);
        RunStarted one = new RunStarted("r", 1, "add", "mlp", ab, SampleEvents.PROVENANCE);
        RunStarted two = new RunStarted("r", 1, "add", "mlp", ba, SampleEvents.PROVENANCE);
        assertThat(one).isEqualTo(two);
        assertThat(EventCodec.encodeToString(one))
                .isEqualTo(EventCodec.encodeToString(two))
                .contains("\"config\":{\"a\":1,\"b\":{\"x\":3,\"y\":2}}");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(EventType.class)
    void randomValidRecordsRoundTrip(EventType type) {
        RandomEvents random = new RandomEvents(new Random(7919L * (type.ordinal() + 1)));
        for (int i = 0; i < 200; i++) {
            Event e = random.event(type);
            byte[] json = EventCodec.encode(e);
            assertThat(EventCodec.decode(json))
                    .as("round trip of %s", new String(json, StandardCharsets.UTF_8))
                    .isEqualTo(e);
        }
    }

    @Test
    void aJobsPointKeepsTheGridsAxisOrder() {
        Map<String, Object> point = new java.util.LinkedHashMap<>();
        point.put("weightDecay", 0.3);
        point.put("trainFraction", 0.4);
        point.put("hidden", List.of(64));
        point.put("seed", 2);
        Job job = new Job("sw-1-000", "sw-1", 5, point, Map.of("steps", 100));
        Job back = (Job) EventCodec.decode(EventCodec.encode(job));
        assertThat(back.point().keySet()).containsExactly("weightDecay", "trainFraction", "hidden", "seed");
        assertThat(back).isEqualTo(job);
    }

    @Test
    void nonFiniteLossesTravelAsJsonTokensAndComeBack() {
        StepRecord diverged = StepRecord.of("run-nan", 3000, Double.NaN, 0.5, Double.POSITIVE_INFINITY, 0.0);
        String line = EventCodec.encodeToString(diverged);
        assertThat(line).contains("\"trainLoss\":NaN").contains("\"valLoss\":Infinity");

        StepRecord back = (StepRecord) EventCodec.decode(line);
        assertThat(back.trainLoss()).isNaN();
        assertThat(back.valLoss()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(back.hasNonFiniteLoss()).isTrue();
        assertThat(back).isEqualTo(diverged);

        StepRecord negative = StepRecord.of("run-nan", 3001, Double.NEGATIVE_INFINITY, 0.5, 1.0, 0.0);
        assertThat(EventCodec.decode(EventCodec.encode(negative))).isEqualTo(negative);
    }

    @Test
    void nonFiniteLossTokensFromAnotherProducerAreAccepted() {
        // What Python's json.dumps writes for float('nan') and float('-inf').
        String python = "{\"type\": \"step\", \"run\": \"py\", \"step\": 7, \"trainLoss\": NaN, \"trainAcc\": 0.25,"
                + " \"valLoss\": -Infinity, \"valAcc\": 0.125}";
        StepRecord s = (StepRecord) EventCodec.decode(python);
        assertThat(s.trainLoss()).isNaN();
        assertThat(s.valLoss()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(s).isEqualTo(StepRecord.of("py", 7, Double.NaN, 0.25, Double.NEGATIVE_INFINITY, 0.125));
    }

    @Test
    void aMinimalStepHasNullOptionalsAndWritesNoneOfThem() {
        StepRecord minimal = StepRecord.of("run-1", 0, 1.5, 0.0, 2.5, 1.0);
        ObjectNode tree = EventCodec.toTree(minimal);
        assertThat(iterable(tree.fieldNames()))
                .containsExactly("type", "v", "run", "step", "trainLoss", "trainAcc", "valLoss", "valAcc");
        StepRecord back = (StepRecord) EventCodec.decode(EventCodec.encode(minimal));
        assertThat(back.time()).isNull();
        assertThat(back.weightNorm()).isNull();
        assertThat(back.weightDistance()).isNull();
        assertThat(back.gradNorm()).isNull();
        assertThat(back.lr()).isNull();
        assertThat(back.stepsPerSecond()).isNull();
        assertThat(back).isEqualTo(minimal);
    }

    @Test
    void explicitNullOptionalsReadAsAbsent() {
        String json = "{\"type\":\"step\",\"run\":\"r\",\"step\":1,\"trainLoss\":1,\"trainAcc\":0.5,\"valLoss\":1,"
                + "\"valAcc\":0.5,\"time\":null,\"weightNorm\":null,\"lr\":null}";
        assertThat(EventCodec.decode(json)).isEqualTo(StepRecord.of("r", 1, 1, 0.5, 1, 0.5));
    }

    @Test
    void integersWrittenAsWholeDoublesAreAccepted() {
        // JavaScript and Python-float producers write 1200.0 for 1200.
        String json = "{\"type\":\"step\",\"run\":\"js\",\"step\":1200.0,\"trainLoss\":1,\"trainAcc\":1,\"valLoss\":2,"
                + "\"valAcc\":0,\"time\":1.7e12}";
        StepRecord s = (StepRecord) EventCodec.decode(json);
        assertThat(s.step()).isEqualTo(1200);
        assertThat(s.time()).isEqualTo(1_700_000_000_000L);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void unknownFieldsAreIgnored(Event e) {
        ObjectNode tree = EventCodec.toTree(e);
        tree.put("someFutureField", "x");
        tree.putArray("anotherOne").add(1).addObject().put("nested", true);
        tree.putNull("nothing");
        tree.put("nan", Double.NaN);
        tree.set("big", tree.numberNode(new java.math.BigInteger("123456789012345678901234567890")));
        assertThat(EventCodec.decode(tree)).isEqualTo(e);
    }

    @Test
    void unknownNestedProvenanceFieldsAreIgnored() {
        ObjectNode tree = EventCodec.toTree(SampleEvents.runStarted());
        ((ObjectNode) tree.get("provenance")).put("gpu", "none");
        assertThat(EventCodec.decode(tree)).isEqualTo(SampleEvents.runStarted());
    }

    @Test
    void provenanceRoundTripsUnchanged() {
        RunStarted back = (RunStarted) EventCodec.decode(EventCodec.encode(SampleEvents.runStarted()));
        assertThat(back.provenance()).isEqualTo(SampleEvents.PROVENANCE);
    }

    @Test
    void configKeepsNestedStructureAndNumberKinds() {
        RunStarted back = (RunStarted) EventCodec.decode(EventCodec.encode(SampleEvents.runStarted()));
        assertThat(back.config())
                .containsEntry("lr", 0.03)
                .containsEntry("steps", 5000)
                .containsEntry("optimizer", "adamw")
                .containsEntry("betas", List.of(0.9, 0.98))
                .containsEntry("grokfast", Map.of("alpha", 0.98, "enabled", true));
    }

    @Test
    void configNullValuesAreDroppedAndAMissingConfigIsEmpty() {
        ObjectNode tree = EventCodec.toTree(SampleEvents.runStarted());
        ((ObjectNode) tree.get("config")).putNull("unset");
        assertThat(((RunStarted) EventCodec.decode(tree)).config())
                .doesNotContainKey("unset")
                .containsKey("lr");

        tree.remove("config");
        assertThat(((RunStarted) EventCodec.decode(tree)).config()).isEmpty();
    }

    @Test
    void defaultedTextsComeBackAsEmptyNotNull() {
        Alert alert = new Alert("r", AlertKind.STALLED, 1, 2, 3, 0.5, null);
        ControlCommand command = new ControlCommand("r", "c1", ControlCommand.Command.CHECKPOINT, 4, null);
        RunFinished finished = new RunFinished("r", 5, RunFinished.Status.COMPLETED, null, 6);
        for (Event e : List.<Event>of(alert, command, finished)) {
            assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
        }
        assertThat(alert.message()).isEmpty();
        assertThat(command.reason()).isEmpty();
        assertThat(finished.reason()).isEmpty();
    }

    @Test
    void aDlqRecordWithoutRunIsKeyedUnknown() {
        DlqRecord d = new DlqRecord(null, Topics.METRICS, 0, 0, null, "not valid JSON", 1);
        assertThat(d.run()).isEqualTo("unknown");
        assertThat(d.payload()).isEmpty();
        ObjectNode tree = EventCodec.toTree(d);
        tree.remove("run");
        assertThat(EventCodec.decode(tree)).isEqualTo(d);
    }

    @Test
    void structureArraysAreCopiedSoTheRecordIsImmutable() {
        int[] freqs = {3, 5};
        StructureAnalysis s =
                new StructureAnalysis("r", 1, 2, freqs, Double.NaN, Double.NaN, new double[0], new double[0]);
        freqs[0] = 99;
        assertThat(s.keyFrequencies()).containsExactly(3, 5);
        StructureAnalysis back = (StructureAnalysis) EventCodec.decode(EventCodec.encode(s));
        assertThat(back.rqi()).isNaN();
        assertThat(back.fourierTopKShare()).isNaN();
        assertThat(back).isEqualTo(s);
    }

    @Test
    void negativeZeroLossIsKept() {
        StepRecord s = StepRecord.of("r", 1, -0.0, 0.0, -0.0, 0.0);
        StepRecord back = (StepRecord) EventCodec.decode(EventCodec.encode(s));
        assertThat(Double.doubleToRawLongBits(back.trainLoss())).isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Test
    void unicodeTextsRoundTrip() {
        String run = "rün-😀-\u0000-\t-\"quoted\"-\\-\ud800";
        Alert a = new Alert(run, AlertKind.GROKKED, 1, 1, 1, 0.99, "línea\nzwei 日本");
        assertThat(EventCodec.decode(EventCodec.encode(a))).isEqualTo(a);
        assertThat(Arrays.equals(Topics.key(a), run.getBytes(StandardCharsets.UTF_8)))
                .isTrue();
    }

    @Test
    void everyFieldTheEncoderWritesIsReadBack() {
        // A field the encoder writes but the decoder ignores would silently vanish: removing any
        // field written for the fully populated samples must change or reject the decoded record.
        for (Event e : SampleEvents.all()) {
            ObjectNode tree = EventCodec.toTree(e);
            for (String field : iterable(tree.fieldNames())) {
                if (field.equals("v") || field.equals("encoding")) continue; // envelope: absence means the default
                ObjectNode without = tree.deepCopy();
                without.remove(field);
                Event back;
                try {
                    back = EventCodec.decode(without);
                } catch (InvalidEventException ex) {
                    assertThat(ex.field()).as("%s without %s", e.type(), field).isEqualTo(field);
                    continue;
                }
                assertThat(back).as("%s without %s", e.type(), field).isNotEqualTo(e);
            }
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
