package io.grokwatch.cli.report;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.JsonLines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads one run's records from a .jsonl file of EventCodec lines (blank lines are skipped). */
public final class JsonlRunReader {

    private JsonlRunReader() {}

    /**
     * Reads the records of {@code run}, or of the file's only run when {@code run} is null.
     *
     * @throws IllegalArgumentException naming the line when a line is not a valid record, when the
     *     file holds no step of the run, or when it holds several runs and none was chosen
     */
    public static RunRecords read(Path file, String run) throws IOException {
        List<Event> events = new ArrayList<>();
        Set<String> runs = new LinkedHashSet<>();
        JsonLines.forEach(file, (lineNo, line, notText) -> {
            if (notText != null) throw new IllegalArgumentException(file + ":" + lineNo + ": " + notText);
            if (line.isBlank()) return;
            Event e;
            try {
                e = EventCodec.decode(line);
            } catch (InvalidEventException ex) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": " + ex.getMessage(), ex);
            }
            events.add(e);
            runs.add(e.run());
        });
        String chosen = run;
        if (chosen == null) {
            if (runs.size() != 1) {
                throw new IllegalArgumentException(file + " holds " + (runs.isEmpty() ? "no records" : "runs " + runs)
                        + "; choose one with --run");
            }
            chosen = runs.iterator().next();
        }
        RunRecords.Collector collector = RunRecords.collector(chosen);
        events.forEach(collector::add);
        if (collector.stepCount() == 0) {
            throw new IllegalArgumentException(
                    file + " holds no step records of run '" + chosen + "' (runs in it: " + runs + ")");
        }
        return collector.build();
    }
}
