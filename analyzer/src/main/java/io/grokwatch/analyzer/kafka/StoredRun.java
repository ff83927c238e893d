package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.detect.DetectorState;

/**
 * One run's entry in the state changelog: the detector state, and whether the auto-stop
 * command was already sent (so it is sent once, across restarts and rebalances).
 */
record StoredRun(DetectorState detector, boolean stopSent) {}
