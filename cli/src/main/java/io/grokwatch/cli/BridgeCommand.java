package io.grokwatch.cli;

import io.grokwatch.bridge.MetricsBridge;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code grokwatch bridge}: serves the Kafka stream as Prometheus metrics until Ctrl-C. */
@Command(
        name = "bridge",
        description = {
            "Consumes grokwatch.runs, grokwatch.metrics, grokwatch.events and grokwatch.dlq and serves "
                    + "them as Prometheus metrics (see metrics-bridge/METRICS.md) until Ctrl-C.",
            "Prometheus scrapes http://HOST:PORT/metrics; /-/healthy answers while it runs.",
            "With --basic-auth-user and --basic-auth-password-file every path requires HTTP basic auth."
        })
public final class BridgeCommand implements Callable<Integer> {
    /** How long a Ctrl-C waits for the bridge to stop before the JVM exits anyway. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            defaultValue = MetricsBridge.DEFAULT_HOST,
            description = "Address to serve metrics on.")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "" + MetricsBridge.DEFAULT_PORT,
            description = "Port to serve metrics on; 0 picks a free one.")
    int port;

    @Option(
            names = "--run-ttl",
            paramLabel = "DURATION",
            defaultValue = "15m",
            converter = DurationConverter.class,
            description = "Remove a run's series after it was finished or silent this long (e.g. 90s, 15m, 2h, PT15M).")
    Duration runTtl;

    @Option(
            names = "--group-id",
            paramLabel = "GROUP",
            defaultValue = MetricsBridge.DEFAULT_GROUP_ID,
            description = "Kafka consumer group of the bridge.")
    String groupId;

    @Option(
            names = "--basic-auth-user",
            paramLabel = "USER",
            description = "Require HTTP basic auth with this user on every path (with --basic-auth-password-file).")
    String basicAuthUser;

    // A file, never a flag with the password itself: command lines show up in ps and shell history.
    @Option(
            names = "--basic-auth-password-file",
            paramLabel = "FILE",
            description =
                    "File holding the basic auth password (trailing newlines are stripped; with --basic-auth-user).")
    Path basicAuthPasswordFile;

    private final ServeUntilInterrupted serving = new ServeUntilInterrupted("bridge", SHUTDOWN_GRACE);
    private volatile String metricsUrl;

    @Override
    public Integer call() throws Exception {
        validate();
        MetricsBridge.Builder config = MetricsBridge.builder()
                .kafkaProperties(kafka.clientProperties())
                .host(host)
                .port(port)
                .runTtl(runTtl)
                .groupId(groupId);
        configureBasicAuth(config);
        PrintWriter out = spec.commandLine().getOut();
        serving.serve(() -> config.build().start(), bridge -> {
            metricsUrl = bridge.metricsUrl();
            out.println("metrics: " + metricsUrl
                    + (bridge.basicAuthUser() == null ? "" : " (basic auth, user " + bridge.basicAuthUser() + ")"));
            out.println("  consuming " + String.join(", ", MetricsBridge.TOPICS) + " from " + kafka.bootstrapServers()
                    + " as group " + groupId + "; run TTL "
                    + runTtl.toString().substring(2).toLowerCase(Locale.ROOT));
            out.println("Press Ctrl-C to stop.");
            out.flush();
            serving.ready();
            serving.awaitStop(); // an interrupt is a stop request too; the consumer's close does not see it
            out.println("stopping the bridge ...");
            out.flush();
        });
        out.println("bridge stopped.");
        out.flush();
        return 0;
    }

    private void validate() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be in 0..65535, was " + port);
        }
        if (host.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--host must not be empty");
        }
        if (groupId.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--group-id must not be empty");
        }
    }

    /** Both basic auth flags or neither; the password comes from its file and is never printed. */
    private void configureBasicAuth(MetricsBridge.Builder config) {
        if ((basicAuthUser == null) != (basicAuthPasswordFile == null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--basic-auth-user and --basic-auth-password-file go together: give both or neither");
        }
        if (basicAuthUser == null) return;
        String password = readPassword(basicAuthPasswordFile);
        try {
            config.basicAuth(basicAuthUser, password);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--basic-auth-user: " + e.getMessage());
        }
    }

    /** The file's text without trailing line breaks (editors and `echo` add one). */
    private String readPassword(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // These two carry only the path as their message.
            String why = e instanceof NoSuchFileException
                    ? "no such file"
                    : e instanceof AccessDeniedException ? "permission denied" : OneLine.describe(e);
            throw new ParameterException(
                    spec.commandLine(),
                    "--basic-auth-password-file " + file + ": cannot read it (" + why
                            + "); pass a readable file holding the password");
        }
        String password = text.replaceFirst("[\\r\\n]+$", "");
        if (password.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(), "--basic-auth-password-file " + file + " is empty; put the password in it");
        }
        return password;
    }

    /** Asks a running bridge command to stop; {@link #call()} then returns 0. For tests and hooks. */
    void requestStop() {
        serving.requestStop();
    }

    /** Waits until the bridge serves; returns its metrics URL, or null on timeout. */
    String awaitReady(Duration timeout) throws InterruptedException {
        return serving.awaitReady(timeout) ? metricsUrl : null;
    }

    /** Reads a positive duration: a number with ms, s, m, h or d (90s, 15m, 1.5h), or ISO-8601 (PT15M). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            Duration d = parse(v);
            if (d == null || d.isNegative() || d.isZero()) {
                throw new TypeConversionException(
                        "'" + value + "' is not a positive duration; write e.g. 90s, 15m, 2h or PT15M");
            }
            return d;
        }

        private static Duration parse(String v) {
            Matcher m = SHORT.matcher(v);
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                double millisPerUnit = switch (m.group(2)) {
                    case "ms" -> 1;
                    case "s" -> 1_000;
                    case "m" -> 60_000;
                    case "h" -> 3_600_000;
                    default -> 86_400_000;
                };
                return Duration.ofMillis(Math.round(amount * millisPerUnit));
            }
            try {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }
}
