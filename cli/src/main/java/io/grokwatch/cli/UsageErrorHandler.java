package io.grokwatch.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a usage error as one line on stderr, with the command that failed and where to get
 * help, and exits 2. Picocli's default prints the whole usage text instead.
 */
final class UsageErrorHandler implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        StringBuilder line = new StringBuilder(name).append(": ").append(OneLine.of(ex.getMessage()));
        if (ex instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append(" (did you mean ")
                        .append(String.join(" or ", suggestions))
                        .append("?)");
            }
        }
        line.append(". Run '").append(name).append(" --help' for usage.");
        cmd.getErr().println(line);
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
