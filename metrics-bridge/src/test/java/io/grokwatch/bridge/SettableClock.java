package io.grokwatch.bridge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that follows the system clock plus an offset the test moves forward. */
final class SettableClock extends Clock {
    // The bridge's poll thread reads it while the test thread advances it.
    private final AtomicLong offsetMillis = new AtomicLong();

    void advance(Duration d) {
        offsetMillis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("SettableClock is UTC only");
    }
}
