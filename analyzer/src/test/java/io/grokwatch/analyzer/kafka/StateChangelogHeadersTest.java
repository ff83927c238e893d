package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The changelog's binary headers for the forecaster and the auto-stop policy read back what was written. */
class StateChangelogHeadersTest {

    @Test
    void policyStateRoundTrips() {
        StoredRun.PolicyState p =
                new StoredRun.PolicyState("grok-aware:1000:500", "", 4210, new double[] {5000, -1, Double.NaN, 3.25});
        StoredRun.PolicyState back = StateChangelog.decodePolicy(StateChangelog.encodePolicy(p));
        assertThat(back.spec()).isEqualTo("grok-aware:1000:500");
        assertThat(back.lastStep()).isEqualTo(4210);
        assertThat(Arrays.equals(back.state(), p.state()))
                .as(Arrays.toString(back.state()))
                .isTrue();
    }

    @Test
    void aPolicyStateWithoutNumbersRoundTrips() {
        StoredRun.PolicyState back = StateChangelog.decodePolicy(
                StateChangelog.encodePolicy(new StoredRun.PolicyState("median", "sw-1", -1, new double[0])));
        assertThat(back.spec()).isEqualTo("median");
        assertThat(back.group()).isEqualTo("sw-1");
        assertThat(back.state()).isEmpty();
    }

    @Test
    void aTruncatedPolicyHeaderIsAnErrorNamingIt() {
        byte[] whole = StateChangelog.encodePolicy(
                new StoredRun.PolicyState("patience:val_loss:5", "", 7, new double[] {1, 2}));
        for (int length : new int[] {0, 3, 10, whole.length - 1}) {
            assertThatThrownBy(() -> StateChangelog.decodePolicy(Arrays.copyOf(whole, length)))
                    .as(length + " bytes")
                    .hasMessageContaining(StateChangelog.POLICY_HEADER);
        }
    }

    @Test
    void forecastStateRoundTrips() {
        StoredRun.ForecastState f = new StoredRun.ForecastState(null, new double[] {60, 38.9, 12});
        StoredRun.ForecastState back = StateChangelog.decodeForecast(StateChangelog.encodeForecast(f));
        assertThat(back.budget()).isNull();
        assertThat(back.forecaster()).containsExactly(60, 38.9, 12);
    }
}
