package io.grokwatch.trainer.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class GridTest {
    @Test
    void theIssuesSweepHasTwentyFourPointsTheLastAxisFastest() {
        Grid g = Grid.parse(List.of("weight-decay=0.01,0.03,0.1,0.3,1,3", "train-fraction=0.2:0.8:4"));
        assertThat(g.axes().get(1).values()).containsExactly(0.2, 0.4, 0.6, 0.8);
        List<TrainConfig> runs = g.configs(Presets.get("simple-grokking"));
        assertThat(runs).hasSize(24);
        assertThat(runs.get(0).weightDecay()).isEqualTo(0.01);
        assertThat(runs.get(0).trainFraction()).isEqualTo(0.2);
        assertThat(runs.get(1).trainFraction()).isEqualTo(0.4);
        assertThat(runs.get(23).weightDecay()).isEqualTo(3.0);
        assertThat(runs.get(23).lr()).isEqualTo(3e-2); // the rest is the preset's
        assertThat(Grid.describe(g.points().get(5))).isEqualTo("weight-decay=0.03 train-fraction=0.4");
    }

    @Test
    void anyFieldWithAFlagIsAnAxis() {
        Grid g = Grid.parse(List.of("optimizer=adamw,sgd", "grokfast=none,ema", "hidden=64,128", "seed=0:2:3"));
        assertThat(g.points()).hasSize(2 * 2 * 2 * 3);
        List<TrainConfig> runs = g.configs(Presets.get("simple-grokking"));
        assertThat(runs.get(0).optimizer()).isEqualTo(TrainConfig.OptimizerKind.ADAMW);
        assertThat(runs.get(2).seed()).isEqualTo(2L);
        assertThat(runs.get(runs.size() - 1).grokfast()).isEqualTo(TrainConfig.Grokfast.EMA);
        assertThat(runs.get(3).hidden()).isEqualTo(List.of(128));
    }

    @Test
    void typosAndBadValuesNameTheAxisBeforeAnythingRuns() {
        assertThatThrownBy(() -> Grid.parse(List.of("weight-decai=0.1")))
                .hasMessageStartingWith(
                        "grid 'weight-decai=0.1': no setting is called weight-decai; did you mean weight-decay?");
        assertThatThrownBy(() -> Grid.parse(List.of("train-fraction=0.5,1.5")))
                .hasMessage("grid 'train-fraction=0.5,1.5': train-fraction must be in (0, 1), got 1.5");
        assertThatThrownBy(() -> Grid.parse(List.of("optimizer=adam,lamb")))
                .hasMessage("grid 'optimizer=adam,lamb': optimizer must be one of adamw, adam, sgd, got 'lamb'");
        assertThatThrownBy(() -> Grid.parse(List.of("lr=1e-3", "lr=1e-2")))
                .hasMessage("grid 'lr=1e-2': lr is already an axis");
        assertThatThrownBy(() -> Grid.parse(List.of("seed=0:5:0"))).hasMessageContaining("COUNT must be >= 2");
        assertThatThrownBy(() -> Grid.parse(List.of("weight-decay"))).hasMessageContaining("must be NAME=V1,V2,...");
        // each value passes alone, the point as a whole does not
        Grid heads = Grid.parse(List.of("heads=3,4"));
        assertThatThrownBy(() -> heads.configs(Presets.get("nanda")))
                .hasMessage("grid point heads=3: dModel must be a positive multiple of heads, got dModel 128, heads 3");
    }
}
