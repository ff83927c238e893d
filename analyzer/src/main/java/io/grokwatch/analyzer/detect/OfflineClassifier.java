package io.grokwatch.analyzer.detect;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.JsonLines;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same {@link RunDetector} over a recorded run: a .jsonl file (one record per line, as on
 * the wire) or a list of step records, fed in file order and then {@link RunDetector#finish
 * finished}, exactly as a live run would be.
 *
 * <pre>{@code
 * RunSummary s = OfflineClassifier.classify(Path.of("run.jsonl"), DetectorConfig.defaults());
 * }</pre>
 *
 * <p>Each record's {@code time} (or 0 when absent) stands in for the wall clock, so the output is a
 * pure function of the file. Lines that are not valid records are skipped and listed by
 * {@link #read}; records of other types (run_started, snapshots, ...) are skipped and counted.
 */
public final class OfflineClassifier {
    private OfflineClassifier() {}

    /** Classifies the one run in a .jsonl file, skipping bad lines. */
    public static RunSummary classify(Path jsonl, DetectorConfig c) throws IOException {
        return classify(read(jsonl).steps(), c);
    }

    /** Classifies one run's steps, in the given order. */
    public static RunSummary classify(List<StepRecord> steps, DetectorConfig c) {
        Map<String, RunSummary> all = classifyAll(steps, c);
        if (all.size() > 1) {
            throw new IllegalArgumentException(
                    "the steps hold " + all.size() + " runs " + all.keySet() + "; classify them with classifyAll");
        }
        if (all.isEmpty()) throw new IllegalArgumentException("no step records to classify");
        return all.values().iterator().next();
    }

    /** Classifies every run in the steps, in order of first appearance. */
    public static Map<String, RunSummary> classifyAll(List<StepRecord> steps, DetectorConfig c) {
        Map<String, RunDetector> detectors = new LinkedHashMap<>();
        Map<String, Long> lastTime = new LinkedHashMap<>();
        for (StepRecord s : steps) {
            long now = s.time() == null ? lastTime.getOrDefault(s.run(), 0L) : s.time();
            lastTime.put(s.run(), now);
            detectors.computeIfAbsent(s.run(), r -> new RunDetector(r, c)).accept(s, now);
        }
        Map<String, RunSummary> out = new LinkedHashMap<>();
        detectors.forEach((run, d) -> {
            d.finish(lastTime.getOrDefault(run, 0L));
            out.put(run, d.summary());
        });
        return out;
    }

    /** Reads the step records of a .jsonl file, listing the lines that are not valid records. */
    public static JsonlSteps read(Path jsonl) throws IOException {
        List<StepRecord> steps = new ArrayList<>();
        List<BadLine> bad = new ArrayList<>();
        Map<String, Long> budgets = new java.util.LinkedHashMap<>();
        long[] other = {0};
        JsonLines.forEach(jsonl, (n, line, notText) -> {
            if (notText != null) {
                bad.add(new BadLine(n, null, notText));
                return;
            }
            if (line.isBlank()) return;
            try {
                Event e = EventCodec.decode(line);
                if (e instanceof StepRecord s) {
                    steps.add(s);
                    return;
                }
                other[0]++;
                Long budget = e instanceof RunStarted r
                        ? r.budget()
                        : e instanceof io.grokwatch.events.Job j ? j.budget() : null;
                if (budget != null) budgets.put(e.run(), budget);
            } catch (InvalidEventException e) {
                bad.add(new BadLine(n, e.field(), e.getMessage()));
            }
        });
        return new JsonlSteps(steps, bad, other[0], budgets);
    }

    /**
     * The step records of a file, in file order.
     *
     * @param badLines lines that could not be decoded, in file order
     * @param otherRecords valid records of other types, skipped
     * @param budgets the configured steps of runs with a run_started or job line in the file, by run id
     */
    public record JsonlSteps(
            List<StepRecord> steps, List<BadLine> badLines, long otherRecords, Map<String, Long> budgets) {
        public JsonlSteps {
            steps = List.copyOf(steps);
            badLines = List.copyOf(badLines);
            budgets = Map.copyOf(budgets);
        }
    }

    /**
     * A line that is not a valid record.
     *
     * @param line 1-based line number
     * @param field the JSON field at fault, or null when the line as a whole is (not JSON)
     * @param error the decoder's message, naming the field
     */
    public record BadLine(long line, String field, String error) {}
}
