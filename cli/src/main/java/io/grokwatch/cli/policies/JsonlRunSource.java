package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.OfflineClassifier.BadLine;
import io.grokwatch.analyzer.detect.OfflineClassifier.JsonlSteps;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs from {@code .jsonl} files of step records, and from directories searched recursively for them (in path
 * order; files found there with no step records, like a sweep's jobs.jsonl, are passed over). Every run id in a file is a run; when an id occurs in more than one file, each is named
 * {@code FILE:RUN} with FILE relative to the argument that found it. Strict, unlike {@code classify}: a line that is
 * not a valid record fails the whole read, naming file and line, because a replay over half a run would mislead. A
 * run's budget is the configured steps of its run_started or job line in any file of the same RUNS (else unknown).
 */
public final class JsonlRunSource implements RunSource {
    private final List<Path> args;

    public JsonlRunSource(List<Path> args) {
        if (args.isEmpty()) throw new IllegalArgumentException("no RUNS given");
        this.args = List.copyOf(args);
    }

    @Override
    public List<RecordedRun> read() throws IOException, BadRunInputException {
        record Found(String label, String id, List<StepRecord> steps) {}
        List<Found> found = new ArrayList<>();
        // a run's budget may be in another file of the same argument (a sweep's jobs.jsonl)
        Map<String, Long> budgets = new HashMap<>();
        for (Path arg : args) {
            for (Path file : files(arg)) {
                JsonlSteps read = OfflineClassifier.read(file);
                budgets.putAll(read.budgets());
                if (!read.badLines().isEmpty()) {
                    BadLine bad = read.badLines().get(0);
                    throw new BadRunInputException(file + ":" + bad.line() + ": " + oneLine(bad.error())
                            + (read.badLines().size() > 1
                                    ? " (and " + (read.badLines().size() - 1) + " more)"
                                    : ""));
                }
                if (read.steps().isEmpty()) {
                    // a sweep's directory also holds jobs.jsonl and runs.jsonl: found by the walk, they are not runs
                    if (Files.isDirectory(arg)) continue;
                    throw new BadRunInputException(
                            file + ": holds no step records; pass .jsonl files of step records as train writes them");
                }
                Map<String, List<StepRecord>> byRun = new LinkedHashMap<>();
                for (StepRecord s : read.steps())
                    byRun.computeIfAbsent(s.run(), r -> new ArrayList<>()).add(s);
                String label = Files.isDirectory(arg) ? arg.relativize(file).toString() : file.toString();
                byRun.forEach((id, steps) -> found.add(new Found(label, id, steps)));
            }
        }
        Map<String, Integer> idCount = new HashMap<>();
        for (Found f : found) idCount.merge(f.id(), 1, Integer::sum);
        List<RecordedRun> runs = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Found f : found) {
            String name = idCount.get(f.id()) == 1 ? f.id() : f.label() + ":" + f.id();
            if (seen.put(name, Path.of(f.label())) != null) {
                throw new BadRunInputException(
                        f.label() + ": run " + f.id() + " is given twice (the same file twice?)");
            }
            runs.add(new RecordedRun(name, f.steps(), budgets.get(f.id())));
        }
        return runs;
    }

    private static List<Path> files(Path arg) throws IOException, BadRunInputException {
        if (Files.isRegularFile(arg)) return List.of(arg);
        if (!Files.isDirectory(arg)) throw new BadRunInputException(arg + ": no such file or directory");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(arg)) {
            files = walk.filter(p ->
                            Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jsonl"))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) throw new BadRunInputException(arg + ": holds no .jsonl files");
        return files;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ");
    }
}
