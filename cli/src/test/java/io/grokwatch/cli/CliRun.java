package io.grokwatch.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs a picocli command in-process with captured stdout and stderr. */
record CliRun(int exitCode, String out, String err) {

    /** Runs the real grokwatch command tree. */
    static CliRun grokwatch(String... args) {
        return run(Main.commandLine(), args);
    }

    static CliRun run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
