package io.grokwatch.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;

/**
 * Decodes the common shape of a step record in one streaming pass, without the JSON tree that
 * {@link EventCodec#decode(byte[])} builds: about 4x cheaper, and decoding was the analyzer's
 * largest cost per record. It gives up (returns null) on anything outside the plain shape —
 * duplicate or missing fields, wrong types, big or fractional integers, trailing tokens, invalid
 * values — and the caller then uses EventCodec, so every record is accepted or rejected exactly
 * as EventCodec does it, with its error messages. Used by the analyzer and the bridge for grokwatch.metrics.
 */
public final class FastStepDecoder {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // as EventCodec: NaN/Infinity losses are data
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER) // correctly rounded too: the same doubles
            .build();

    // Bits of the fields seen, to refuse duplicates (the tree keeps the last, this would keep both).
    private static final int TYPE = 1,
            V = 1 << 1,
            RUN = 1 << 2,
            STEP = 1 << 3,
            TRAIN_LOSS = 1 << 4,
            TRAIN_ACC = 1 << 5,
            VAL_LOSS = 1 << 6,
            VAL_ACC = 1 << 7,
            TIME = 1 << 8,
            WEIGHT_NORM = 1 << 9,
            WEIGHT_DISTANCE = 1 << 10,
            GRAD_NORM = 1 << 11,
            LR = 1 << 12,
            STEPS_PER_SECOND = 1 << 13;
    private static final int REQUIRED = TYPE | RUN | STEP | TRAIN_LOSS | TRAIN_ACC | VAL_LOSS | VAL_ACC;

    private FastStepDecoder() {}

    /** The step record, or null when the record is not a plain valid step (then ask EventCodec). */
    /** A record of grokwatch.metrics: in one pass when it has the plain step shape, else through EventCodec. */
    public static Event decode(byte[] json) {
        StepRecord step = decodeOrNull(json);
        return step != null ? step : EventCodec.decode(json);
    }

    public static StepRecord decodeOrNull(byte[] json) {
        if (json == null) return null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            int seen = 0;
            String run = null;
            long step = 0;
            double trainLoss = 0, trainAcc = 0, valLoss = 0, valAcc = 0;
            Long time = null;
            Double weightNorm = null, weightDistance = null, gradNorm = null, lr = null, stepsPerSecond = null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) return null;
                String name = p.currentName();
                JsonToken v = p.nextToken();
                int bit = bit(name);
                if (bit == 0) { // a field this reader does not know: ignored, as by EventCodec
                    p.skipChildren();
                    continue;
                }
                if ((seen & bit) != 0) return null;
                seen |= bit;
                switch (bit) {
                    case TYPE -> {
                        if (v != JsonToken.VALUE_STRING || !"step".equals(p.getText())) return null;
                    }
                    case V -> {
                        if (v == JsonToken.VALUE_NULL) continue;
                        if (!isLong(p, v)) return null;
                        long version = p.getLongValue();
                        if (version < 1 || version > EventCodec.SCHEMA_VERSION) return null;
                    }
                    case RUN -> {
                        if (v != JsonToken.VALUE_STRING) return null;
                        run = p.getText();
                    }
                    case STEP -> {
                        if (!isLong(p, v)) return null;
                        step = p.getLongValue();
                    }
                    case TIME -> {
                        if (v == JsonToken.VALUE_NULL) continue;
                        if (!isLong(p, v)) return null;
                        time = p.getLongValue();
                    }
                    default -> {
                        if (v == JsonToken.VALUE_NULL) {
                            if ((bit & REQUIRED) != 0) return null;
                            continue;
                        }
                        if (!isPlainNumber(p, v)) return null;
                        double d = p.getDoubleValue();
                        switch (bit) {
                            case TRAIN_LOSS -> trainLoss = d;
                            case TRAIN_ACC -> trainAcc = d;
                            case VAL_LOSS -> valLoss = d;
                            case VAL_ACC -> valAcc = d;
                            case WEIGHT_NORM -> weightNorm = d;
                            case WEIGHT_DISTANCE -> weightDistance = d;
                            case GRAD_NORM -> gradNorm = d;
                            case LR -> lr = d;
                            default -> stepsPerSecond = d;
                        }
                    }
                }
            }
            if ((seen & REQUIRED) != REQUIRED || p.nextToken() != null) return null;
            return new StepRecord(
                    run,
                    step,
                    trainLoss,
                    trainAcc,
                    valLoss,
                    valAcc,
                    time,
                    weightNorm,
                    weightDistance,
                    gradNorm,
                    lr,
                    stepsPerSecond);
        } catch (IOException | RuntimeException e) { // malformed, or the record's own checks: EventCodec says why
            return null;
        }
    }

    private static int bit(String name) {
        return switch (name) {
            case "type" -> TYPE;
            case "v" -> V;
            case "run" -> RUN;
            case "step" -> STEP;
            case "trainLoss" -> TRAIN_LOSS;
            case "trainAcc" -> TRAIN_ACC;
            case "valLoss" -> VAL_LOSS;
            case "valAcc" -> VAL_ACC;
            case "time" -> TIME;
            case "weightNorm" -> WEIGHT_NORM;
            case "weightDistance" -> WEIGHT_DISTANCE;
            case "gradNorm" -> GRAD_NORM;
            case "lr" -> LR;
            case "stepsPerSecond" -> STEPS_PER_SECOND;
            default -> 0;
        };
    }

    /** An integer token that fits a long (12.0 and big integers are left to EventCodec). */
    private static boolean isLong(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) return false;
        JsonParser.NumberType nt = p.getNumberType();
        return nt == JsonParser.NumberType.INT || nt == JsonParser.NumberType.LONG;
    }

    /** A float token (NaN and Infinity included) or an integer that fits a long: the tree's doubleValue is the same. */
    private static boolean isPlainNumber(JsonParser p, JsonToken v) throws IOException {
        return v == JsonToken.VALUE_NUMBER_FLOAT || isLong(p, v);
    }
}
