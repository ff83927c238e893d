package io.grokwatch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code grokwatch} command; it only dispatches to its subcommands. */
@Command(
        name = "grokwatch",
        // inherited, so every subcommand gets --help and --version without repeating it
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        showDefaultValues = true,
        usageHelpAutoWidth = true,
        description = {
            "Runs grokking experiments and watches them live over Kafka.",
            "Data flows trainer -> Kafka -> analyzer -> Kafka -> bridge -> Prometheus -> Grafana."
        },
        subcommands = {
            BrokerCommand.class,
            BridgeCommand.class,
            ReportCommand.class,
            DemoCommand.class,
            ClassifyCommand.class,
            AnalyzeCommand.class,
            IngestCommand.class,
            io.grokwatch.cli.train.TrainCommand.class,
            io.grokwatch.cli.worker.WorkerCommand.class,
            io.grokwatch.cli.sweep.SweepCommand.class,
            PoliciesCommand.class,
            ForecastEvalCommand.class,
            LoadgenCommand.class,
            HelpCommand.class,
        })
public final class GrokwatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }
}
