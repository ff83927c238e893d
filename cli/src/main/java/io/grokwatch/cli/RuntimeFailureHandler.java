package io.grokwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Reports a failure while a command runs as one line on stderr and exits 1. Set the
 * environment variable {@code GROKWATCH_DEBUG=1} to get the stack trace as well.
 */
final class RuntimeFailureHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + OneLine.describe(ex));
        if (System.getenv("GROKWATCH_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }
}
