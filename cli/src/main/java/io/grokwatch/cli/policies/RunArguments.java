package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.cli.KafkaClientLogs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The RUNS arguments of {@code policies} and {@code forecast-eval}: files and directories through {@link
 * JsonlRunSource}, every other argument (a topic or a sweep id) through {@link KafkaRunSource}; runs from files first.
 *
 * <pre>{@code
 * List<RecordedRun> runs = RunArguments.read(List.of("bench/runs", "sw-1"), kafkaProps, Duration.ofSeconds(60), err, "policies");
 * }</pre>
 */
public final class RunArguments {
    private RunArguments() {}

    /**
     * Reads the runs. An argument that does not exist but cannot be a Kafka name (a '/', a .jsonl ending) stays a
     * file, so a mistyped path is reported as one without asking Kafka. Progress goes to {@code err}, each line
     * starting with "grokwatch COMMAND:".
     */
    public static List<RecordedRun> read(
            List<String> args, Properties kafka, Duration timeout, PrintWriter err, String command) throws Exception {
        List<Path> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String arg : args) {
            Path p = Path.of(arg);
            if (Files.exists(p)
                    || arg.endsWith(".jsonl")
                    || !KafkaRunSource.KAFKA_NAME.matcher(arg).matches()) files.add(p);
            else names.add(arg);
        }
        List<RecordedRun> out = new ArrayList<>();
        if (!files.isEmpty()) out.addAll(new JsonlRunSource(files).read());
        if (names.isEmpty()) return out;
        if (Set.copyOf(names).size() != names.size())
            throw new RunSource.BadRunInputException("a topic or sweep id is given twice: " + String.join(" ", names));
        KafkaClientLogs.quietConnectionRetries(); // the unreachable broker is reported once, by the source
        err.println("grokwatch " + command + ": reading " + String.join(", ", names) + " from Kafka at "
                + kafka.getProperty("bootstrap.servers") + " ...");
        err.flush();
        Set<String> fromFiles = new HashSet<>();
        for (RecordedRun r : out) fromFiles.add(r.name());
        for (RecordedRun r : KafkaRunSource.builder()
                .clientProperties(kafka)
                .names(names)
                .timeout(timeout)
                .progress(err)
                .build()
                .read()) {
            if (fromFiles.contains(r.name())) {
                throw new RunSource.BadRunInputException(
                        "run " + r.name() + " is in the files and on Kafka; give each run once");
            }
            out.add(r);
        }
        return out;
    }
}
