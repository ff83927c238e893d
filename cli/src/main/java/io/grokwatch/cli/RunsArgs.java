package io.grokwatch.cli;

import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.cli.policies.RunArguments;
import io.grokwatch.cli.policies.RunSource;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The RUNS of {@code policies} and {@code forecast-eval}: files, directories, Kafka topics or sweep ids. */
public final class RunsArgs {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Mixin
    KafkaOptions kafka;

    @Parameters(
            arity = "1..*",
            paramLabel = "RUNS",
            description = "Recorded runs: .jsonl files, directories of them, Kafka topics or sweep ids.")
    List<String> runs;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description = "How long reading topics and sweeps from Kafka may take (a broker that is down is reported"
                    + " after 5 s).")
    int timeoutSeconds;

    /** Reads the runs ({@link RunArguments}); bad input is a usage error naming it, progress goes to stderr. */
    List<RecordedRun> read(String command) throws Exception {
        if (timeoutSeconds < 1)
            throw new ParameterException(mixee.commandLine(), "--timeout must be >= 1 second, got " + timeoutSeconds);
        try {
            return RunArguments.read(
                    runs,
                    kafka.clientProperties(),
                    Duration.ofSeconds(timeoutSeconds),
                    mixee.commandLine().getErr(),
                    command);
        } catch (RunSource.BadRunInputException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }
}
