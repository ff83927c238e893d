package io.grokwatch.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to completion with a time limit; stdout and stderr together. */
final class Command {
    /** What a finished command left: exit code and combined output. */
    record Result(List<String> command, int exitCode, String output) {
        /** For assertion messages: the command line, exit code and output. */
        String describe() {
            return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
        }
    }

    private final List<String> command = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private Path directory = DeployFiles.root();
    private Duration timeout = Duration.ofSeconds(60);

    private Command(List<String> command) {
        this.command.addAll(command);
    }

    static Command of(Object... parts) {
        List<String> cmd = new ArrayList<>();
        for (Object p : parts) cmd.add(p.toString());
        return new Command(cmd);
    }

    Command env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Command withoutEnv(String key) {
        env.put(key, null);
        return this;
    }

    Command in(Path dir) {
        this.directory = dir;
        return this;
    }

    Command timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    Result run() {
        Path out = null;
        try {
            out = Files.createTempFile("grokwatch-cmd", ".log");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            env.forEach((k, v) -> {
                if (v == null) pb.environment().remove(k);
                else pb.environment().put(k, v);
            });
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (out != null) out.toFile().delete();
        }
    }
}
