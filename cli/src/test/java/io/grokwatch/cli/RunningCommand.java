package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;

/** A grokwatch service command running on its own thread, with its output captured; for the service command tests. */
final class RunningCommand<C> {
    final CommandLine cl = Main.commandLine();
    final C command;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger exitCode = new AtomicInteger(-1);
    final Thread thread;
    private final String name;

    /** Starts {@code grokwatch args...}; {@code args[0]} names the subcommand. */
    RunningCommand(String... args) {
        name = args[0];
        command = cl.getSubcommands().get(name).getCommand();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        thread = new Thread(() -> exitCode.set(cl.execute(args)), name + "-command-under-test");
        thread.start();
    }

    /** Waits for the command to return, and fails if it is still running after {@code timeout}. */
    void awaitExit(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        assertThat(thread.isAlive())
                .as("%s command still running; stderr: %s", name, err)
                .isFalse();
    }

    /** Fails unless a server socket can bind {@code port} on 127.0.0.1 again. */
    static void assertPortFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }
}
