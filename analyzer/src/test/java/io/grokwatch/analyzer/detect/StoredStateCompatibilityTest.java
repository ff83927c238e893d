package io.grokwatch.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The state changelog outlives a release: states written by an earlier analyzer must decode to the same values,
 * and the enums whose ordinals the compact layout stores must keep their order.
 */
class StoredStateCompatibilityTest {
    private static final String STATES = "/state-changelog/detector-states-f894a20.txt";

    @Test
    void enumsStoredByOrdinalKeepTheirOrder() {
        // Appending at the end is fine (add the name here too); reordering, renaming or removing breaks stored states.
        assertThat(Arrays.stream(Phase.values()).map(Enum::name))
                .containsExactly(
                        "FITTING", "MEMORIZED", "GENERALIZING", "GROKKED", "COMPREHENDED", "DIVERGED", "REGRESSED");
        assertThat(Arrays.stream(AlertKind.values()).map(Enum::name))
                .containsExactly(
                        "VAL_ACC_JUMP",
                        "MEMORIZED",
                        "GROKKED",
                        "COMPREHENDED",
                        "DIVERGED",
                        "REGRESSED",
                        "STALLED",
                        "AUTO_STOPPED");
    }

    @Test
    void statesOfThePreviousReleaseDecodeToTheirValues() throws IOException {
        Map<String, DetectorState> s = load();

        DetectorState fitting = s.get("fitting");
        assertThat(fitting.phase()).isEqualTo(Phase.FITTING);
        assertThat(fitting.generalizedPhase()).isNull();
        assertThat(fitting.tTrain()).isNull();
        assertThat(fitting.lastStep()).isEqualTo(20);
        assertThat(fitting.lastCommittedStep()).isEqualTo(10);
        assertThat(fitting.pending()).extracting(StepRecord::step).containsExactly(20L);
        StepRecord full = fitting.lookback().get(0); // every optional field present
        assertThat(full)
                .isEqualTo(new StepRecord(
                        Curves.RUN, 0, 2.0, 0.1, 2.1, 0.1, 1_700_000_000_000L, 3.5, 0.2, 0.01, 1e-3, 12.5));
        assertThat(fitting.plateauVal()).isNaN();

        DetectorState memorized = s.get("memorized");
        assertThat(memorized.phase()).isEqualTo(Phase.MEMORIZED);
        assertThat(memorized.tTrain()).isEqualTo(260L);
        assertThat(memorized.tVal()).isNull();
        assertThat(memorized.fired()).containsExactly(AlertKind.MEMORIZED);
        assertThat(transitions(memorized)).containsExactly("FITTING->MEMORIZED@260/270");
        assertThat(alerts(memorized)).containsExactly("MEMORIZED@260");
        assertThat(memorized.lastProgressStep()).isEqualTo(500);
        assertThat(s.get("memorized-json")).as("the JSON of earlier releases").isEqualTo(memorized);

        DetectorState generalizing = s.get("generalizing");
        assertThat(generalizing.phase()).isEqualTo(Phase.GENERALIZING);
        assertThat(generalizing.fired()).containsExactly(AlertKind.VAL_ACC_JUMP, AlertKind.MEMORIZED);
        assertThat(transitions(generalizing))
                .containsExactly("FITTING->MEMORIZED@260/270", "MEMORIZED->GENERALIZING@3580/3590");
        assertThat(generalizing.alerts().get(1).valAcc()).isEqualTo(0.15606871459020552);

        DetectorState grokked = s.get("grokked");
        assertThat(grokked.phase()).isEqualTo(Phase.GROKKED);
        assertThat(grokked.generalizedPhase()).isEqualTo(Phase.GROKKED);
        assertThat(grokked.tTrain()).isEqualTo(260L);
        assertThat(grokked.tVal()).isEqualTo(4480L);
        assertThat(grokked.lastStep()).isEqualTo(8000);
        assertThat(grokked.pending()).isEmpty();
        assertThat(grokked.fired()).containsExactly(AlertKind.VAL_ACC_JUMP, AlertKind.MEMORIZED, AlertKind.GROKKED);
        assertThat(transitions(grokked)).endsWith("GENERALIZING->GROKKED@4480/4490");
        assertThat(alerts(grokked)).containsExactly("MEMORIZED@260", "VAL_ACC_JUMP@3580", "GROKKED@4480");

        DetectorState regressed = s.get("regressed");
        assertThat(regressed.phase()).isEqualTo(Phase.REGRESSED);
        assertThat(regressed.generalizedPhase()).isEqualTo(Phase.GROKKED);
        assertThat(regressed.fired()).containsExactly(AlertKind.VAL_ACC_JUMP, AlertKind.MEMORIZED, AlertKind.REGRESSED);
        assertThat(transitions(regressed)).endsWith("GROKKED->REGRESSED@8010/8020");
        assertThat(regressed.alerts().get(3).valAcc()).isEqualTo(0.5);

        DetectorState comprehended = s.get("comprehended");
        assertThat(comprehended.phase()).isEqualTo(Phase.COMPREHENDED);
        assertThat(comprehended.generalizedPhase()).isEqualTo(Phase.COMPREHENDED);
        assertThat(comprehended.tVal()).isEqualTo(590L);
        assertThat(alerts(comprehended)).containsExactly("MEMORIZED@260", "VAL_ACC_JUMP@420", "COMPREHENDED@590");

        DetectorState diverged = s.get("diverged");
        assertThat(diverged.phase()).isEqualTo(Phase.DIVERGED);
        assertThat(diverged.fired()).containsExactly(AlertKind.DIVERGED);
        assertThat(transitions(diverged)).containsExactly("FITTING->DIVERGED@60/60");
        assertThat(diverged.minTrainLoss()).isEqualTo(3.9166388587511873);

        DetectorState stalled = s.get("stalled");
        assertThat(stalled.phase()).isEqualTo(Phase.FITTING);
        assertThat(stalled.fired()).containsExactly(AlertKind.STALLED);
        assertThat(alerts(stalled)).containsExactly("STALLED@5080");
        assertThat(stalled.lastProgressStep()).isEqualTo(3080);
    }

    @Test
    void decodedStatesEncodeToTheSameBytes() throws IOException {
        for (Map.Entry<String, byte[]> e : raw().entrySet()) {
            if (e.getKey().endsWith("-json")) continue;
            assertThat(CompactStateCodec.encode(CompactStateCodec.decode(e.getValue())))
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    private static List<String> transitions(DetectorState s) {
        return s.transitions().stream()
                .map(t -> t.from() + "->" + t.to() + "@" + t.step() + "/" + t.detectedStep())
                .toList();
    }

    private static List<String> alerts(DetectorState s) {
        return s.alerts().stream().map(a -> a.kind() + "@" + a.step()).toList();
    }

    private static Map<String, DetectorState> load() throws IOException {
        Map<String, DetectorState> out = new LinkedHashMap<>();
        raw().forEach((name, bytes) -> out.put(name, CompactStateCodec.decode(bytes)));
        assertThat(out).hasSize(9);
        return out;
    }

    private static Map<String, byte[]> raw() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = StoredStateCompatibilityTest.class.getResourceAsStream(STATES)) {
            assertThat(in).as(STATES).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] parts = line.split(" ", 2);
                out.put(parts[0], Base64.getDecoder().decode(parts[1].trim()));
            }
        }
        return out;
    }
}
