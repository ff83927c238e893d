package io.grokwatch.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainConfigTableTest {
    @Test
    void trainingMdHoldsTheTableMadeFromTheDefinitions() throws IOException {
        // surefire runs in the module directory
        String doc = Files.readString(Path.of("TRAINING.md"));
        int begin = doc.indexOf(TrainConfigDocs.BEGIN);
        int end = doc.indexOf(TrainConfigDocs.END);
        assertThat(begin)
                .as("TRAINING.md has the line %s", TrainConfigDocs.BEGIN)
                .isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String inDoc =
                doc.substring(begin + TrainConfigDocs.BEGIN.length(), end).strip();
        assertThat(inDoc)
                .as(
                        "TRAINING.md's config flags differ from TrainConfig.TABLE; regenerate them with TrainConfigDocs.main")
                .isEqualTo(TrainConfigDocs.markdown().strip());
    }

    @Test
    void theBuilderStartsFromTheTableDefaults() {
        TrainConfig c = TrainConfig.builder().build();
        assertThat(TrainConfig.TABLE.values(c)).isEqualTo(TrainConfig.TABLE.defaults());
        assertThat(c.lr()).isEqualTo(3e-2);
        assertThat(c.stopsAfterGrok()).isFalse();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void rulesOfTheOptimizerAndTheTransformerAreCheckedOnce() {
        assertThatThrownBy(() -> TrainConfig.builder().betas(1.0, 0.99).build())
                .hasMessage("beta1 must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> TrainConfig.builder().momentum(-0.5).build())
                .hasMessage("momentum must be in [0, 1), got -0.5");
        assertThatThrownBy(() -> TrainConfig.builder()
                        .model(TrainConfig.ModelKind.TRANSFORMER)
                        .heads(3)
                        .build())
                .hasMessage("dModel must be a positive multiple of heads, got dModel 128, heads 3");
        // an MLP does not care about the transformer's shape
        assertThat(TrainConfig.builder().heads(3).build().heads()).isEqualTo(3);
        assertThatThrownBy(() -> TrainConfig.builder().set("colour", 1))
                .hasMessageStartingWith("unknown setting 'colour'");
    }

    @Test
    void trainAndValThresholdsAreSeparate() {
        TrainConfig c =
                TrainConfig.builder().trainThreshold(0.5).valThreshold(0.95).build();
        assertThat(c.trainThreshold()).isEqualTo(0.5);
        assertThat(c.valThreshold()).isEqualTo(0.95);
        assertThatThrownBy(() -> TrainConfig.builder().trainThreshold(0).build())
                .hasMessage("trainThreshold must be in (0, 1], got 0.0");
    }

    @Test
    void configsOfTheEarlierReleaseStillRead() {
        // run_started and checkpoints before stopAfterGrokSteps and trainThreshold existed
        Map<String, Object> old = new java.util.LinkedHashMap<>(TrainConfigJson.toMap(Presets.get("simple-grokking")));
        old.remove("stopAfterGrokSteps");
        old.remove("trainThreshold");
        old.put("stopAfterGrok", true);
        old.put("valThreshold", 0.8);
        TrainConfig c = TrainConfigJson.fromMap(old);
        assertThat(c.stopAfterGrokSteps()).isZero();
        assertThat(c.trainThreshold()).isEqualTo(0.8);
        assertThat(c.valThreshold()).isEqualTo(0.8);
        old.put("stopAfterGrok", false);
        old.put("stopAfterGrokSteps", 200);
        assertThat(TrainConfigJson.fromMap(old).stopAfterGrokSteps()).isEqualTo(200);
    }

    @Test
    void theDemoIsAPreset() {
        TrainConfig demo = Presets.get("demo");
        assertThat(demo.weightDecay()).isEqualTo(0.08);
        assertThat(demo.stopAfterGrokSteps()).isEqualTo(200);
        assertThat(demo.stopAccuracy()).isEqualTo(0.9);
    }
}
