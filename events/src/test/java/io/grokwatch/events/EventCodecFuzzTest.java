package io.grokwatch.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Feeds the decoder random bytes, mutated valid records and truncated JSON. Every input must
 * either decode to a record that survives another encode/decode unchanged, or be rejected with
 * the codec's own {@link InvalidEventException}; any other throwable is a bug in the codec.
 */
class EventCodecFuzzTest {
    private static final int CASES = 2000;
    private static final JsonMapper WRITER =
            JsonMapper.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What happened to the inputs of one fuzz run, with the first few offending inputs kept for the report. */
    private static final class Tally {
        int decoded;
        int rejected;
        final List<String> failures = new ArrayList<>();

        void check(byte[] input) {
            Event e;
            try {
                e = EventCodec.decode(input);
            } catch (InvalidEventException ex) {
                rejected++;
                checkRejection(input, ex);
                return;
            } catch (Throwable t) {
                fail(input, "decode threw " + t);
                return;
            }
            decoded++;
            try {
                byte[] again = EventCodec.encode(e);
                Event back = EventCodec.decode(again);
                if (!back.equals(e)) fail(input, "re-decoded to " + back + " instead of " + e);
                else if (!Arrays.equals(EventCodec.encode(back), again)) fail(input, "encoding is not stable");
            } catch (Throwable t) {
                fail(input, "decoded to " + e + " but the round trip threw " + t);
            }
        }

        private void checkRejection(byte[] input, InvalidEventException ex) {
            String msg = ex.getMessage();
            if (msg == null || msg.isBlank()) {
                fail(input, "rejected without a message");
            } else if (ex.field() != null && !msg.startsWith("field '" + ex.field() + "': ")) {
                fail(input, "message does not name field " + ex.field() + ": " + msg);
            } else if (ex.field() == null
                    && !(msg.startsWith("not valid JSON") || msg.startsWith("record must be a JSON object"))) {
                // A JSON object with a problem must say which field; only the codec's defensive catch-all
                // would produce anything else, and that means a record constructor leaked an exception.
                fail(input, "rejected without naming a field: " + msg);
            }
        }

        private void fail(byte[] input, String what) {
            if (failures.size() < 10) {
                String text = new String(input, StandardCharsets.UTF_8);
                failures.add(what + "\n    input: " + (text.length() > 600 ? text.substring(0, 600) + "..." : text));
            } else if (failures.size() == 10) {
                failures.add("...");
            }
        }

        void assertClean(int minDecoded, int minRejected) {
            assertThat(failures).as("inputs the codec mishandled").isEmpty();
            // Guards against a generator that silently stopped exercising one of the two outcomes.
            assertThat(decoded).as("inputs that decoded").isGreaterThanOrEqualTo(minDecoded);
            assertThat(rejected).as("inputs that were rejected").isGreaterThanOrEqualTo(minRejected);
        }
    }

    @Test
    void randomBytes() {
        Random random = new Random(1L);
        Tally tally = new Tally();
        for (int i = 0; i < CASES; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            // Half start like an object so the parser gets past the first byte.
            if (bytes.length > 0 && random.nextBoolean()) bytes[0] = '{';
            tally.check(bytes);
        }
        // Printable noise: closer to JSON, reaches deeper into the tokenizer.
        String alphabet = "{}[]:,\"\\ .-+eE0123456789NaInfitylurnsTRUEfalsv_/\t\n";
        for (int i = 0; i < CASES; i++) {
            StringBuilder sb = new StringBuilder("{");
            int n = random.nextInt(120);
            for (int k = 0; k < n; k++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            tally.check(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        tally.assertClean(0, 2 * CASES);
    }

    @Test
    void randomJsonValues() {
        RandomEvents random = new RandomEvents(new Random(2L));
        Tally tally = new Tally();
        for (int i = 0; i < CASES; i++) tally.check(write(random.jsonValue(3)));
        tally.assertClean(0, CASES);
    }

    @Test
    void validRecordsWithFieldsDeletedReplacedOrRetyped() {
        Random seed = new Random(3L);
        RandomEvents random = new RandomEvents(seed);
        Tally tally = new Tally();
        for (int i = 0; i < 2 * CASES; i++) {
            ObjectNode tree = EventCodec.toTree(random.anyEvent());
            int mutations = 1 + seed.nextInt(3);
            for (int m = 0; m < mutations; m++) mutate(tree, seed, random);
            tally.check(write(tree));
        }
        tally.assertClean(CASES / 10, CASES);
    }

    @Test
    void truncatedAndCorruptedValidJson() {
        Random seed = new Random(4L);
        RandomEvents random = new RandomEvents(seed);
        Tally tally = new Tally();
        for (int i = 0; i < CASES; i++) {
            byte[] json = EventCodec.encode(random.anyEvent());
            tally.check(Arrays.copyOf(json, seed.nextInt(json.length)));
        }
        for (int i = 0; i < CASES; i++) {
            byte[] json = EventCodec.encode(random.anyEvent());
            int flips = 1 + seed.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = seed.nextInt(json.length);
                json[at] = seed.nextBoolean() ? (byte) seed.nextInt(256) : (byte) (json[at] ^ (1 << seed.nextInt(8)));
            }
            tally.check(json);
        }
        tally.assertClean(CASES / 20, CASES);
    }

    @Test
    void nestingBeyondTheParsersLimitIsRejected() {
        Tally tally = new Tally();
        String deep = "{\"type\":\"run_started\",\"config\":{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}}";
        tally.check(deep.getBytes(StandardCharsets.UTF_8));
        String longNumber = "{\"type\":\"step\",\"run\":\"r\",\"step\":" + "9".repeat(5000) + "}";
        tally.check(longNumber.getBytes(StandardCharsets.UTF_8));
        tally.assertClean(0, 2);
    }

    // ---------------------------------------------------------------- mutations

    /** Deletes, replaces, retypes or adds one field somewhere in the record (top level or nested). */
    private static void mutate(ObjectNode root, Random seed, RandomEvents random) {
        JsonNode container = pickContainer(root, seed);
        if (container instanceof ArrayNode array) {
            if (array.isEmpty()) {
                array.add(random.jsonValue(1));
                return;
            }
            int at = seed.nextInt(array.size());
            switch (seed.nextInt(3)) {
                case 0 -> array.remove(at);
                case 1 -> array.set(at, random.jsonValue(2));
                default -> array.set(at, retype(array.get(at), seed, random));
            }
            return;
        }
        ObjectNode object = (ObjectNode) container;
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        if (names.isEmpty() || seed.nextInt(10) == 0) {
            object.set(random.anyText(), random.jsonValue(2)); // an unknown field
            return;
        }
        String name = names.get(seed.nextInt(names.size()));
        switch (seed.nextInt(3)) {
            case 0 -> object.remove(name);
            case 1 -> object.set(name, random.jsonValue(2));
            default -> object.set(name, retype(object.get(name), seed, random));
        }
    }

    /** The root most of the time, else a nested object or array of it (provenance, config, arrays). */
    private static JsonNode pickContainer(ObjectNode root, Random seed) {
        if (seed.nextInt(3) != 0) return root;
        List<JsonNode> nested = new ArrayList<>();
        root.elements().forEachRemaining(n -> {
            if (n.isContainerNode()) nested.add(n);
        });
        return nested.isEmpty() ? root : nested.get(seed.nextInt(nested.size()));
    }

    /** The same value in another JSON type: 12 -> "12", "x" -> a number, true -> "true", [1] -> {"0":1}. */
    private static JsonNode retype(JsonNode value, Random seed, RandomEvents random) {
        if (value.isNumber()) {
            return switch (seed.nextInt(3)) {
                case 0 -> NODES.textNode(value.asText());
                case 1 -> NODES.numberNode(value.doubleValue() + 0.5);
                default -> NODES.arrayNode().add(value);
            };
        }
        if (value.isTextual()) {
            return seed.nextBoolean() ? NODES.numberNode(value.textValue().length()) : NODES.booleanNode(true);
        }
        if (value.isBoolean()) return NODES.textNode(value.asText());
        if (value.isArray()) {
            ObjectNode o = NODES.objectNode();
            for (int i = 0; i < value.size(); i++) o.set(Integer.toString(i), value.get(i));
            return o;
        }
        if (value.isObject()) {
            ArrayNode a = NODES.arrayNode();
            value.elements().forEachRemaining(a::add);
            return a;
        }
        return random.jsonValue(1);
    }

    private static byte[] write(JsonNode json) {
        try {
            return WRITER.writeValueAsBytes(json);
        } catch (Exception e) {
            throw new IllegalStateException("test generator wrote unwritable JSON", e);
        }
    }
}
