package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

class KafkaOptionsTest {
    @TempDir
    Path dir;

    /** A service-like command that prints the client properties it would use. */
    @Command(name = "probe", mixinStandardHelpOptions = true)
    static final class Probe implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Spec
        CommandLine.Model.CommandSpec spec;

        Properties seen;

        @Override
        public Integer call() {
            seen = kafka.clientProperties();
            spec.commandLine().getOut().print(new TreeMap<>(seen));
            return 0;
        }
    }

    private static Properties run(String... args) {
        Probe probe = new Probe();
        CliRun result = CliRun.run(Main.withErrorHandling(new CommandLine(probe)), args);
        assertThat(result.exitCode()).as(result.err()).isZero();
        return probe.seen;
    }

    @Test
    void defaultsToTheLocalBroker() {
        Properties p = run();
        assertThat(p).containsOnlyKeys("bootstrap.servers");
        assertThat(p.getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void theConfigFileIsPassedThroughAndItsBootstrapServersBeatTheDefault() throws Exception {
        Path file = Files.writeString(
                dir.resolve("client.properties"),
                "bootstrap.servers=kafka-1:9093,kafka-2:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"u\" password=\"p\";\nssl.truststore.location=/etc/kafka/truststore.jks\n");
        Properties p = run("--kafka-config", file.toString());
        assertThat(p)
                .containsEntry("bootstrap.servers", "kafka-1:9093,kafka-2:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks");
        assertThat(p.getProperty("sasl.jaas.config")).endsWith("username=\"u\" password=\"p\";");
    }

    @Test
    void anExplicitBootstrapFlagBeatsTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=far:9093\nclient.id=x\n");
        Properties p = run("--kafka-config", file.toString(), "--bootstrap-servers", "near:9092");
        assertThat(p).containsEntry("bootstrap.servers", "near:9092").containsEntry("client.id", "x");
    }

    @Test
    void aMissingConfigFileIsAOneLineUsageError() {
        Path missing = dir.resolve("nope.properties");
        CliRun run =
                CliRun.run(Main.withErrorHandling(new CommandLine(new Probe())), "--kafka-config", missing.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("probe: --kafka-config " + missing
                        + ": no such file; pass a Kafka client properties file. Run 'probe --help' for usage."
                        + System.lineSeparator());
    }

    @Test
    void aDirectoryOrMalformedFileIsAUsageError() throws Exception {
        CliRun directory =
                CliRun.run(Main.withErrorHandling(new CommandLine(new Probe())), "--kafka-config", dir.toString());
        assertThat(directory.exitCode()).isEqualTo(2);
        assertThat(directory.err()).startsWith("probe: --kafka-config " + dir + ": no such file");

        Path bad = Files.writeString(dir.resolve("bad.properties"), "key=\\u00zz\n");
        CliRun malformed =
                CliRun.run(Main.withErrorHandling(new CommandLine(new Probe())), "--kafka-config", bad.toString());
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err().lines()).hasSize(1);
        assertThat(malformed.err())
                .startsWith("probe: --kafka-config " + bad + ": cannot read it (")
                .contains("pass a readable Kafka client properties file");
    }

    @Test
    void anEmptyBootstrapFlagIsAUsageError() {
        CliRun run = CliRun.run(Main.withErrorHandling(new CommandLine(new Probe())), "--bootstrap-servers", " ");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("probe: --bootstrap-servers must not be empty.");
    }

    @Test
    void helpDescribesBothOptions() {
        CliRun run = CliRun.run(Main.withErrorHandling(new CommandLine(new Probe())), "--help");
        assertThat(run.out()).contains("--bootstrap-servers=HOST:PORT[,...]").contains("--kafka-config=FILE");
    }
}
