package io.grokwatch.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.config.Setting;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
        String begin = "<!-- BEGIN generated settings table -->\n";
        String inFile =
                md.substring(md.indexOf(begin) + begin.length(), md.indexOf("<!-- END generated settings table -->"));
        assertThat(inFile)
                .as("DETECTOR.md's settings table; paste DetectorConfigTable.markdown() there")
                .isEqualTo(table);
        assertThat(table.lines().count()).isEqualTo(2 + DetectorConfig.class.getRecordComponents().length);
        assertThat(table).contains("| `divergenceLossCeiling` | `1e4` |").contains("| `stallSteps` | `20000` |");
    }

    @Test
    void eachTypedSetterSetsItsOwnSetting() throws ReflectiveOperationException {
        // every value differs from its default and passes its rules
        DetectorConfig other = new DetectorConfig(0.8, 0.85, 500, 5, 2, 0.2, 0.05, 1e3, 50, 0.2, 1000, 0.02, 0.1);
        Map<String, Object> otherValues = DetectorConfig.TABLE.values(other);
        for (Setting<?> s : DetectorConfig.TABLE.settings()) {
            Method setter = DetectorConfig.Builder.class.getMethod(s.name(), s.type());
            DetectorConfig.Builder b = DetectorConfig.builder();
            setter.invoke(b, otherValues.get(s.name()));
            Map<String, Object> expected = DetectorConfig.TABLE.defaults();
            expected.put(s.name(), otherValues.get(s.name()));
            assertThat(DetectorConfig.TABLE.values(b.build())).as(s.name()).isEqualTo(expected);
        }
        assertThat(DetectorConfig.defaults().toBuilder()
                        .set("stallSteps", 5L)
                        .build()
                        .stallSteps())
                .isEqualTo(5);
        assertThatThrownBy(() -> DetectorConfig.builder().set("stalSteps", 5L))
                .hasMessageStartingWith("unknown setting 'stalSteps'");
        assertThatThrownBy(() -> DetectorConfig.builder().set("stallSteps", 5).build())
                .hasMessage("detector config stallSteps=5: must be of type long, not Integer");
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
        assertThatThrownBy(() ->
                        DetectorConfig.builder().divergenceFactor(Double.NaN).build())
                .hasMessage("detector config divergenceFactor=NaN: must be > 1");
        assertThatThrownBy(() -> DetectorConfig.builder().stallSteps(0).build())
                .hasMessage("detector config stallSteps=0: must be >= 1");
    }
}
