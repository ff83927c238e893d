package io.grokwatch.bridge;

import io.grokwatch.events.Alert;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.FastStepDecoder;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns consumed records into metric updates: count → decode → count analyzer output → update
 * the run's view; then, once a poll, {@link #flush} writes each changed run's series. Never throws for a bad record: it is counted and skipped.
 *
 * <p>Used by the poll thread only (it owns the {@link RunTable}).
 */
final class RecordProcessor {
    private static final Logger log = LoggerFactory.getLogger(RecordProcessor.class);

    private final BridgeMetrics metrics;
    private final RunTable runs;
    private final Clock clock;
    /**
     * Runs changed since the last {@link #flush}, by run id: the first change's before and the last one's after. A
     * poll of thousands of records writes each run's series once, not once a record.
     */
    private final Map<String, RunTable.Change> pending = new LinkedHashMap<>();

    RecordProcessor(BridgeMetrics metrics, RunTable runs, Clock clock) {
        this.metrics = metrics;
        this.runs = runs;
        this.clock = clock;
    }

    void process(ConsumerRecord<byte[], byte[]> record) {
        metrics.countConsumed(record.topic());
        if (Topics.DLQ.equals(record.topic())) {
            metrics.countDlqRecord();
            return;
        }
        Event event = decode(record);
        if (event == null) return;
        try {
            long now = clock.millis();
            countAnalyzerOutput(event);
            observeLag(event, record.timestamp(), now);
            RunTable.Change change = runs.apply(event, now);
            if (change != null)
                pending.merge(event.run(), change, (first, last) -> new RunTable.Change(first.before(), last.after()));
        } catch (RuntimeException e) {
            // A bug here must cost one record, not the poll thread.
            metrics.countMalformed(record.topic());
            log.error("failed to apply {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
        }
    }

    /**
     * A record read again at a start to rebuild the run views: into the views only, at the record's own time, and
     * counted nowhere (it was counted before the restart). Malformed ones are skipped quietly.
     */
    void restore(ConsumerRecord<byte[], byte[]> record) {
        if (Topics.DLQ.equals(record.topic()) || record.value() == null) return;
        Event event;
        try {
            event = decodeValue(record);
        } catch (RuntimeException e) {
            return;
        }
        try {
            RunTable.Change change = runs.apply(event, record.timestamp());
            if (change != null)
                pending.merge(event.run(), change, (first, last) -> new RunTable.Change(first.before(), last.after()));
        } catch (RuntimeException e) {
            log.debug("not restored: {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    /** Writes the series of every run changed since the last flush; the poll loop calls it after each poll. */
    void flush() {
        for (RunTable.Change change : pending.values()) {
            try {
                show(change);
            } catch (RuntimeException e) {
                log.error("failed to write the series of run {}", change.after().labels()[0], e);
            }
        }
        pending.clear();
    }

    /** Removes the series of runs that were silent (or finished) for longer than the TTL. */
    void expireSilentRuns() {
        for (RunView gone : runs.expire(clock.millis())) {
            metrics.remove(gone);
        }
    }

    /** Step records are almost all of the traffic: the one-pass decoder for grokwatch.metrics. */
    private static Event decodeValue(ConsumerRecord<byte[], byte[]> record) {
        return Topics.METRICS.equals(record.topic())
                ? FastStepDecoder.decode(record.value())
                : EventCodec.decode(record.value());
    }

    private Event decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.value() == null) {
                throw new IllegalArgumentException("record has no value");
            }
            return decodeValue(record);
        } catch (RuntimeException e) {
            metrics.countMalformed(record.topic());
            log.warn(
                    "skipping malformed record {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.getMessage());
            return null;
        }
    }

    private void countAnalyzerOutput(Event event) {
        if (event instanceof Transition t) {
            metrics.countTransition(t.to());
        } else if (event instanceof Alert a) {
            metrics.countAlert(a.kind());
        }
    }

    private void observeLag(Event event, long kafkaTimestamp, long now) {
        if (event instanceof StepRecord s) {
            long evaluatedAt = s.time() != null ? s.time() : kafkaTimestamp;
            metrics.observeEndToEndLag((now - evaluatedAt) / 1000.0);
        }
    }

    private void show(RunTable.Change change) {
        if (change == null) return;
        if (change.relabelled()) {
            metrics.remove(change.before());
        }
        metrics.show(change.after());
        if (change.before() == null || change.relabelled()) {
            metrics.showInfo(change.after());
        }
    }
}
