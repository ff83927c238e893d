package io.grokwatch.events;

/**
 * A record that could not be decoded or validated, with where it came from and why.
 *
 * @param run the source record's key, or "unknown"
 * @param payload the source record's value as text (UTF-8, invalid bytes replaced); "" when null
 * @param error the codec's message, naming the field at fault
 */
public record DlqRecord(
        String run, String sourceTopic, int partition, long offset, String payload, String error, long time)
        implements Event {

    public DlqRecord {
        run = run == null || run.isBlank() ? "unknown" : run;
        Check.nonEmpty("sourceTopic", sourceTopic);
        Check.nonNegative("partition", partition);
        Check.nonNegative("offset", offset);
        payload = payload == null ? "" : payload;
        Check.nonEmpty("error", error);
        Check.nonNegative("time", time);
    }
}
