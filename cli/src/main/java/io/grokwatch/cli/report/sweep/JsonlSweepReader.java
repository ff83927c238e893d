package io.grokwatch.cli.report.sweep;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a sweep from a directory of .jsonl files (EventCodec lines, as {@code grokwatch train --metrics-out} and
 * the topics hold them), e.g. a recorded sweep under bench/runs. A run belongs to the sweep when its run_started
 * names it, or when a job record of the sweep names the run: so steps-only files plus one file of the sweep's
 * job lines (the manifest, e.g. {@code jobs.jsonl}) are enough.
 */
public final class JsonlSweepReader {

    private JsonlSweepReader() {}

    /**
     * Reads every {@code *.jsonl} file directly in {@code dir}, in name order.
     *
     * @throws IllegalArgumentException naming file and line when a line is not a valid record, or naming the sweep
     *     and the sweeps the files hold when none of them is this one
     */
    public static SweepRecords read(Path dir, String sweep) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) throw new IllegalArgumentException(dir + " holds no .jsonl files");
        List<Event> events = new ArrayList<>();
        for (Path f : files) readFile(f, events);
        SweepRecords.Collector c = new SweepRecords.Collector(sweep);
        events.forEach(c::addMembership);
        if (!c.found()) {
            List<String> known = c.sweepsSeen();
            throw new IllegalArgumentException("the " + files.size() + " .jsonl files in " + dir
                    + " hold no runs or jobs of sweep '" + sweep + "' ("
                    + (known.isEmpty()
                            ? "no sweeps at all"
                            : known.size() == 1
                                    ? "1 sweep: " + known.get(0)
                                    : known.size() + " sweeps: " + String.join(", ", known))
                    + "); add the sweep's job records (a jobs.jsonl manifest) or check the sweep id");
        }
        events.forEach(c::addData);
        return c.build();
    }

    private static void readFile(Path file, List<Event> into) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                try {
                    into.add(EventCodec.decode(line));
                } catch (InvalidEventException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
