package io.grokwatch.analyzer.detect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Transition;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;

/**
 * Everything a {@link RunDetector} needs to resume exactly where it stopped; immutable, and
 * {@link #encode encoded} as JSON (non-finite numbers as the tokens {@code NaN}/{@code Infinity}).
 *
 * @param generalizedPhase GROKKED or COMPREHENDED once validation reached its threshold (the phase
 *     a REGRESSED run returns to), else null
 * @param pending the reorder buffer: accepted, not yet committed records, in step order
 * @param lookback committed records already smoothed, the newest last (at most half a window)
 * @param lookahead committed records waiting for later evaluations to complete their window
 * @param lastCommittedStep the newest committed step, -1 before the first
 * @param lastStep the highest step accepted, -1 before the first
 * @param plateauVal lowest smoothed validation accuracy since memorization, NaN before it
 * @param minTrainLoss lowest smoothed train loss so far, +Infinity before the first
 * @param lastProgressStep the step of the last meaningful improvement, -1 before the first
 * @param bestTrainAcc best smoothed train accuracy at the last improvement
 * @param bestValAcc best smoothed validation accuracy at the last improvement
 * @param bestTrainLoss lowest smoothed train loss at the last improvement
 * @param fired alert kinds already raised and not re-armed, in enum order
 * @param dropped records dropped as duplicates or too late (step at or below lastCommittedStep)
 * @param structureStep step of the newest structure analysis seen, -1 before the first
 * @param structureShare its Fourier top-k share (NaN when unknown)
 * @param structureRqi its RQI (NaN when unknown)
 */
public record DetectorState(
        String run,
        Phase phase,
        Phase generalizedPhase,
        Long tTrain,
        Long tVal,
        List<StepRecord> pending,
        List<StepRecord> lookback,
        List<StepRecord> lookahead,
        long lastCommittedStep,
        long lastStep,
        double plateauVal,
        double minTrainLoss,
        long lastProgressStep,
        double bestTrainAcc,
        double bestValAcc,
        double bestTrainLoss,
        List<AlertKind> fired,
        List<Transition> transitions,
        List<Alert> alerts,
        long dropped,
        long structureStep,
        double structureShare,
        double structureRqi) {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public DetectorState {
        if (run == null || run.isBlank())
            throw new IllegalArgumentException("detector state run must be a non-empty string");
        if (phase == null) throw new IllegalArgumentException("detector state phase is required");
        pending = List.copyOf(pending);
        lookback = List.copyOf(lookback);
        lookahead = List.copyOf(lookahead);
        fired = fired.isEmpty() ? List.of() : List.copyOf(EnumSet.copyOf(fired)); // enum order: same bytes in every JVM
        transitions = List.copyOf(transitions);
        alerts = List.copyOf(alerts);
    }

    /** The state as UTF-8 JSON. */
    public static byte[] encode(DetectorState state) {
        try {
            return MAPPER.writeValueAsBytes(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode detector state of run " + state.run(), e);
        }
    }

    /** Inverse of {@link #encode}; a malformed state is an IllegalArgumentException saying why. */
    public static DetectorState decode(byte[] json) {
        try {
            return MAPPER.readValue(json, DetectorState.class);
        } catch (IOException | RuntimeException e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IllegalArgumentException("cannot decode detector state: " + why, e);
        }
    }
}
