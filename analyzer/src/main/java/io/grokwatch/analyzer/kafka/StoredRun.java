package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorState;

/**
 * One run's entry in the state changelog: the detector state, whether the auto-stop command was
 * already sent (so it is sent once, across restarts and rebalances), and the last step of a
 * run_finished that is still waiting for the run's last records (null when none waits), the t_val forecaster and
 * the auto-stop policy's state (each null when absent).
 */
record StoredRun(DetectorState detector, boolean stopSent, Long finishAt, ForecastState forecast, PolicyState policy) {

    /**
     * The forecaster's state and the run's step budget (null when no run_started was seen); null as a whole for state
     * written before the forecast existed, which then starts afresh.
     */
    record ForecastState(Long budget, double[] forecaster) {}

    /**
     * The auto-stop policy's decision state for the run: the spec it belongs to (state of another spec is not
     * restored), the sweep it decides the run in ("" for a per-run policy), the last step fed to it (-1 for an
     * across-run policy, whose state holds it) and its numbers.
     */
    record PolicyState(String spec, String group, long lastStep, double[] state) {}
}
