package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GrokwatchCommandTest {

    @Test
    void helpListsTheCommands() {
        CliRun run = CliRun.grokwatch("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("Usage: grokwatch ").contains("Commands:");
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            assertThat(run.out()).containsPattern("(?m)^\\s+" + name + "\\s");
        }
        assertThat(Main.commandLine().getSubcommands()).containsKey("broker");
    }

    @Test
    void everyCommandHasHelpAndVersion() {
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            CliRun help = CliRun.grokwatch(name, "--help");
            assertThat(help.exitCode()).as(name + " --help").isZero();
            assertThat(help.out()).as(name + " --help").startsWith("Usage: grokwatch " + name);
            CliRun version = CliRun.grokwatch(name, "--version");
            assertThat(version.exitCode()).as(name + " --version").isZero();
            assertThat(version.out()).as(name + " --version").startsWith("grokwatch ");
        }
    }

    @Test
    void brokerHelpShowsItsOptionsWithDefaults() {
        CliRun run = CliRun.grokwatch("help", "broker");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("--port=PORT")
                .contains("Default: 9092")
                .contains("--data-dir=DIR")
                .contains("--partitions=N")
                .contains("Default: 3");
    }

    @Test
    void versionNamesTheProjectVersion() {
        String expected = System.getProperty("grokwatch.expected.version");
        assertThat(expected).as("surefire passes the project version").isNotBlank();
        CliRun run = CliRun.grokwatch("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out().lines().findFirst())
                .hasValueSatisfying(first -> assertThat(first)
                        .matches("grokwatch " + java.util.regex.Pattern.quote(expected) + "( \\(git \\w+\\))?"));
        assertThat(run.out()).contains("Java " + System.getProperty("java.version"));
    }

    @Test
    void anUnknownFlagIsOneLineAndExit2() {
        CliRun run = CliRun.grokwatch("--bogus");
        assertThat(run.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .isEqualTo("grokwatch: Unknown option: '--bogus'. Run 'grokwatch --help' for usage."
                        + System.lineSeparator());
    }

    @Test
    void aMistypedSubcommandFlagSuggestsTheRightOne() {
        CliRun run = CliRun.grokwatch("broker", "--partition", "4");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).hasSize(1);
        assertThat(run.err())
                .startsWith("grokwatch broker: Unknown options: '--partition', '4'")
                .contains("did you mean --partitions?")
                .contains("Run 'grokwatch broker --help' for usage.");
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOption() {
        CliRun notANumber = CliRun.grokwatch("broker", "--port", "abc");
        assertThat(notANumber.exitCode()).isEqualTo(2);
        assertThat(notANumber.err().lines()).hasSize(1);
        assertThat(notANumber.err()).contains("--port").contains("'abc'");

        CliRun outOfRange = CliRun.grokwatch("broker", "--port", "70000");
        assertThat(outOfRange.exitCode()).isEqualTo(2);
        assertThat(outOfRange.err())
                .isEqualTo("grokwatch broker: --port must be in 0..65535, was 70000."
                        + " Run 'grokwatch broker --help' for usage." + System.lineSeparator());

        CliRun noPartitions = CliRun.grokwatch("broker", "--partitions", "0");
        assertThat(noPartitions.exitCode()).isEqualTo(2);
        assertThat(noPartitions.err()).startsWith("grokwatch broker: --partitions must be >= 1, was 0.");
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun run = CliRun.grokwatch();
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("grokwatch: missing command. Run 'grokwatch --help' for usage." + System.lineSeparator());
    }

    @Test
    void aRuntimeFailureIsOneLineAndExit1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            CliRun run = CliRun.grokwatch("broker", "--port", Integer.toString(port));
            assertThat(run.exitCode()).isEqualTo(CommandLine.ExitCode.SOFTWARE).isEqualTo(1);
            assertThat(run.err())
                    .isEqualTo("grokwatch broker: port " + port + " on 127.0.0.1 is in use: stop what"
                            + " listens there or choose another port (0 picks a free one)" + System.lineSeparator());
        }
    }
}
