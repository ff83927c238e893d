package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.analyzer.forecast.ValLossForecaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PolicySpecsTest {

    @Test
    void policiesMdHoldsTheGeneratedTableWithEveryKind() throws IOException {
        String md = Files.readString(Path.of("POLICIES.md"));
        String begin = "<!-- BEGIN generated policy table -->\n";
        String inFile =
                md.substring(md.indexOf(begin) + begin.length(), md.indexOf("<!-- END generated policy table -->"));
        assertThat(inFile)
                .as("POLICIES.md's policy table; paste PolicySpecs.markdown() there")
                .isEqualTo(PolicySpecs.markdown());
        for (PolicySpecs.Kind k : PolicySpecs.KINDS) {
            assertThat(inFile).contains("| `" + k.synopsis() + "` |");
            // every kind parses from its own synopsis with its parameters filled in
            String example = k.synopsis()
                    .replaceAll("\\[.*", "")
                    .replace("METRIC", "val_loss")
                    .replace("VALUE", "0.5")
                    .replace("N", "7");
            assertThat(ReplayPolicy.parse(example).spec()).isEqualTo(example);
        }
    }

    @Test
    void parametersParseWithTheirDefaults() {
        assertThat(ReplayPolicy.parse(" patience:val_acc:10e:0.01 "))
                .isEqualTo(new Patience("patience:val_acc:10e:0.01", Metric.VAL_ACC, 10, true, 0.01));
        assertThat(ReplayPolicy.parse("patience:val_loss:500"))
                .isEqualTo(new Patience("patience:val_loss:500", Metric.VAL_LOSS, 500, false, 0));
        assertThat(ReplayPolicy.parse("median")).isEqualTo(new MedianStopping("median", Metric.VAL_ACC, 1000, 3));
        assertThat(ReplayPolicy.parse("median:val_loss:50"))
                .isEqualTo(new MedianStopping("median:val_loss:50", Metric.VAL_LOSS, 50, 3));
        assertThat(ReplayPolicy.parse("asha")).isEqualTo(new SuccessiveHalving("asha", Metric.VAL_ACC, 1000, 3));
        assertThat(ReplayPolicy.parse("asha:val_loss:100:4"))
                .isEqualTo(new SuccessiveHalving("asha:val_loss:100:4", Metric.VAL_LOSS, 100, 4));
        assertThat(ReplayPolicy.parse("grok-aware"))
                .isEqualTo(
                        new GrokAware("grok-aware", 1000, 500, GrokForecast.valLoss(ValLossForecaster.Config.DEFAULT)));
        assertThat(ReplayPolicy.parse("grok-aware:2000:100"))
                .isEqualTo(new GrokAware(
                        "grok-aware:2000:100", 2000, 100, GrokForecast.valLoss(ValLossForecaster.Config.DEFAULT)));
        assertThat(ReplayPolicy.parse("median").acrossRuns()).isTrue();
        assertThat(ReplayPolicy.parse("grok-aware").acrossRuns()).isFalse();
    }

    @Test
    void errorsNameTheSpecAndTheParameter() {
        assertThatThrownBy(() -> ReplayPolicy.parse("patience:val_los:5"))
                .hasMessage("policy 'patience:val_los:5': METRIC='val_los' is not one of val_loss, val_acc, train_loss,"
                        + " train_acc");
        assertThatThrownBy(() -> ReplayPolicy.parse("patience:val_loss"))
                .hasMessage("policy 'patience:val_loss' has 1 parameter; expected patience:METRIC:N[:MIN_DELTA]");
        assertThatThrownBy(() -> ReplayPolicy.parse("budget:1:2"))
                .hasMessage("policy 'budget:1:2' has 2 parameters; expected budget:N");
        assertThatThrownBy(() -> ReplayPolicy.parse("patience:val_loss:5x"))
                .hasMessage("policy 'patience:val_loss:5x': N='5x' is not a non-negative integer");
        assertThatThrownBy(() -> ReplayPolicy.parse("patience:val_loss:5:-1"))
                .hasMessage("policy 'patience:val_loss:5:-1': MIN_DELTA='-1' is negative");
        assertThatThrownBy(() -> ReplayPolicy.parse("threshold:val_acc:high"))
                .hasMessage("policy 'threshold:val_acc:high': VALUE='high' is not a number");
        assertThatThrownBy(() -> ReplayPolicy.parse("asha:val_acc:100:1"))
                .hasMessage("policy 'asha:val_acc:100:1': ETA='1' must be >= 2");
        assertThatThrownBy(() -> ReplayPolicy.parse("median:val_acc:0:0"))
                .hasMessage("policy 'median:val_acc:0:0': MIN_RUNS='0' must be >= 1");
        assertThatThrownBy(() -> ReplayPolicy.parse("grok-aware:10:0"))
                .hasMessage("policy 'grok-aware:10:0': WINDOW='0' must be >= 1");
        assertThatThrownBy(() -> ReplayPolicy.parse("grokked:5"))
                .hasMessageStartingWith("policy 'grokked:5' is not understood");
        assertThatThrownBy(() -> ReplayPolicy.parse(" ")).hasMessageStartingWith("a policy spec is required; expected");
    }
}
