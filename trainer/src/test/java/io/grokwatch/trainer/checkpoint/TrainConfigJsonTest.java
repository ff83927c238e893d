package io.grokwatch.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainConfigJsonTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void everyPresetSurvivesJsonUnchanged() throws Exception {
        for (String name : Presets.names()) {
            TrainConfig c = Presets.get(name).toBuilder()
                    .lr(0.1 + 0.2)
                    .grokfast(TrainConfig.Grokfast.MA)
                    .build();
            String json = JSON.writeValueAsString(TrainConfigJson.toMap(c));
            @SuppressWarnings("unchecked")
            Map<String, Object> back = JSON.readValue(json, Map.class);
            assertThat(TrainConfigJson.fromMap(back)).as(name).isEqualTo(c);
        }
        Map<String, Object> m = TrainConfigJson.toMap(Presets.get("simple-grokking"));
        assertThat(m)
                .containsEntry("op", "ADD")
                .containsEntry("model", "MLP")
                .containsEntry("loss", "CROSS_ENTROPY")
                .containsEntry("hidden", List.of(128))
                .containsEntry("p", 53)
                .containsEntry("lr", 3e-2);
    }

    @Test
    void missingFieldsTakeDefaultsAndBadOnesAreNamed() {
        Map<String, Object> m = new LinkedHashMap<>(TrainConfigJson.toMap(Presets.get("nanda")));
        m.remove("orthoGrad"); // as if written before the field existed
        assertThat(TrainConfigJson.fromMap(m).orthoGrad()).isFalse();

        m.put("colour", "blue");
        assertThatThrownBy(() -> TrainConfigJson.fromMap(m))
                .hasMessage("config field 'colour' is unknown to this grokwatch (written by a newer version?)");
        m.remove("colour");
        m.put("steps", "many");
        assertThatThrownBy(() -> TrainConfigJson.fromMap(m))
                .hasMessage("config field 'steps' must be a long, got String many");
        m.put("steps", 3.5);
        assertThatThrownBy(() -> TrainConfigJson.fromMap(m))
                .hasMessage("config field 'steps' must be an integer, got 3.5");
        m.put("steps", 100);
        m.put("model", "RNN");
        assertThatThrownBy(() -> TrainConfigJson.fromMap(m))
                .hasMessage("config field 'model' must be one of [MLP, TRANSFORMER], got 'RNN'");
        m.put("model", "TRANSFORMER");
        m.put("trainFraction", 2);
        assertThatThrownBy(() -> TrainConfigJson.fromMap(m)).hasMessage("trainFraction must be in (0, 1), got 2.0");
    }
}
