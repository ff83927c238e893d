package io.grokwatch.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DetectorConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    DetectorConfig c = DetectorConfig.defaults();
    assertThat(c).isEqualTo(new DetectorConfig(0.9, 0.9, 1000, 3, 1, 0.1, 0.1, 1e4, 100, 0.1, 20_000, 0.01, 0.05));
    assertThat(DetectorConfig.builder().build()).isEqualTo(c);
    assertThat(c.toBuilder().valThreshold(0.95).build().valThreshold()).isEqualTo(0.95);
  }

  @Test
  void detectorMdHoldsTheGeneratedTableOfEverySetting() throws IOException {
    String md = Files.readString(Path.of("DETECTOR.md"));
    String table = DetectorConfigTable.markdown();
    assertThat(md).contains(table);
    assertThat(table.lines().count()).isEqualTo(2 + DetectorConfig.class.getRecordComponents().length);
    assertThat(table).contains("| `divergenceLossCeiling` | `1e4` |").contains("| `stallSteps` | `20000` |");
  }

  @Test
  void errorsNameTheFieldAndValue() {
    assertThatThrownBy(() -> DetectorConfig.builder().valThreshold(1.5).build())
        .hasMessage("detector config valThreshold=1.5: must be in (0,1]");
    assertThatThrownBy(() -> DetectorConfig.builder().smoothingWindow(4).build())
        .hasMessage("detector config smoothingWindow=4: must be an odd number >= 1");
    assertThatThrownBy(() -> DetectorConfig.builder().reorderWindow(-1).build())
        .hasMessage("detector config reorderWindow=-1: must be >= 0");
    assertThatThrownBy(() -> DetectorConfig.builder().regressionMargin(0.95).build())
        .hasMessage("detector config regressionMargin=0.95: must be in [0, valThreshold=0.9)");
    assertThatThrownBy(() -> DetectorConfig.builder().divergenceFactor(Double.NaN).build())
        .hasMessage("detector config divergenceFactor=NaN: must be > 1");
    assertThatThrownBy(() -> DetectorConfig.builder().stallSteps(0).build())
        .hasMessage("detector config stallSteps=0: must be >= 1");
  }
}
