package io.grokwatch.analyzer.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grokwatch.events.Forecast;
import org.junit.jupiter.api.Test;

class ValLossForecasterTest {
    private static final ValLossForecaster.Config C = ValLossForecaster.Config.DEFAULT;

    /** Peak 30 at step 10, then f(step) every 10 steps up to {@code last}. */
    private static ValLossForecaster fed(java.util.function.LongToDoubleFunction f, long last) {
        ValLossForecaster fc = new ValLossForecaster(C);
        fc.observe(0, 4);
        fc.observe(10, 30);
        for (long s = 20; s <= last; s += 10) fc.observe(s, f.applyAsDouble(s));
        return fc;
    }

    @Test
    void aStraightFallGivesItsCrossingAsTheEarliestTVal() {
        // 20 nats at step 0 of the line, falling 0.004 per step: 0.4 at step 4900
        ValLossForecaster fc = fed(s -> 20 - 0.004 * s, 1000);
        ValLossForecaster.Estimate e = fc.estimate(1000);
        assertThat(e.low()).isCloseTo(4900, within(1e-6));
        assertThat(e.slope()).isCloseTo(-0.004, within(1e-12));
        assertThat(e.high()).isGreaterThan(e.low());
        assertThat(e.tVal()).isCloseTo(Math.sqrt(e.low() * e.high()), within(1e-6));
    }

    @Test
    void anExponentialFallGivesItsCrossingAsTheLatestTVal() {
        // 20 * exp(-s/1000): 0.4 at s = 1000 ln 50
        ValLossForecaster fc = fed(s -> 20 * Math.exp(-s / 1000.0), 1500);
        assertThat(fc.estimate(1500).high()).isCloseTo(1000 * Math.log(50), within(1e-6));
    }

    @Test
    void aFlatOrRisingTrendIsNever() {
        Forecast f = fed(s -> 10 + s / 1000.0, 2000).forecast("r", 2000, 1, 5000L);
        assertThat(f.tVal()).isNull();
        assertThat(f.low()).isNull();
        assertThat(f.surelyPastBudget()).isTrue();
        assertThat(f.basis()).contains("not falling");
    }

    @Test
    void noForecastBeforeThePeakIsFarEnoughBehind() {
        ValLossForecaster fc = fed(s -> 20 - 0.004 * s, 50);
        assertThat(fc.estimate(50)).isNull(); // 40 steps since the peak, 50 needed
        fc.observe(60, 20 - 0.24);
        assertThat(fc.estimate(60)).isNotNull();
        // a new peak starts the trend again
        fc.observe(70, 31);
        assertThat(fc.peakStep()).isEqualTo(70);
        assertThat(fc.estimate(70)).isNull();
    }

    @Test
    void restoredStateForecastsTheSame() {
        ValLossForecaster a = fed(s -> 20 * Math.exp(-s / 3000.0) + Math.sin(s) * 0.1, 2000);
        ValLossForecaster b = ValLossForecaster.restore(C, a.state());
        for (long s = 2010; s <= 3000; s += 10) {
            double loss = 20 * Math.exp(-s / 3000.0);
            a.observe(s, loss);
            b.observe(s, loss);
        }
        assertThat(b.forecast("r", 3000, 5, 5000L)).isEqualTo(a.forecast("r", 3000, 5, 5000L));
        // a repeated step is ignored
        b.observe(3000, 0.001);
        assertThat(b.forecast("r", 3000, 5, 5000L)).isEqualTo(a.forecast("r", 3000, 5, 5000L));
    }
}
