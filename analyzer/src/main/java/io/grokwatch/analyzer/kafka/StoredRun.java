package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorState;

/**
 * One run's entry in the state changelog: the detector state, whether the auto-stop command was
 * already sent (so it is sent once, across restarts and rebalances), and the last step of a
 * run_finished that is still waiting for the run's last records (null when none waits).
 */
record StoredRun(DetectorState detector, boolean stopSent, Long finishAt, ForecastState forecast) {

    /**
     * The forecaster's state and the run's step budget (null when no run_started was seen); null as a whole for state
     * written before the forecast existed, which then starts afresh.
     */
    record ForecastState(Long budget, double[] forecaster) {}
}
