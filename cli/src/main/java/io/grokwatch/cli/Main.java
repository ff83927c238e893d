package io.grokwatch.cli;

import picocli.CommandLine;

/**
 * Entry point of the {@code grokwatch} command: {@code java -jar grokwatch.jar --help}.
 *
 * <p>Exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The full command tree with grokwatch's one-line error handling. */
    public static CommandLine commandLine() {
        return withErrorHandling(new CommandLine(new GrokwatchCommand()));
    }

    /** Installs the usage-error (exit 2) and runtime-failure (exit 1) handlers on {@code cl}. */
    public static CommandLine withErrorHandling(CommandLine cl) {
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setExecutionExceptionHandler(new RuntimeFailureHandler());
        return cl;
    }
}
