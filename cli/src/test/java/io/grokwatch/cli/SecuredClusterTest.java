package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's secured-cluster section, run as written: {@code grokwatch broker --sasl --client-config FILE}, then
 * clients with {@code --kafka-config FILE} get in and clients without it are refused with a one-line error.
 */
class SecuredClusterTest {
    private static final Path RUN =
            Path.of("..", "bench", "runs", "heldout-simple-grokking-10", "heldout-s1-wd0.1-f0.6.jsonl");

    @TempDir
    Path dir;

    @Test
    void clientsWithTheWrittenConfigGetInAndOthersAreRefused() throws Exception {
        Path client = dir.resolve("client.properties");
        Path data = dir.resolve("kafka");
        RunningCommand<BrokerCommand> broker = new RunningCommand<>(
                "broker", "--port", "0", "--data-dir", data.toString(), "--sasl", "--client-config", client.toString());
        String servers = broker.command.awaitReady(Duration.ofSeconds(60));
        assertThat(servers).as(broker.err.toString()).isNotNull();
        try {
            assertThat(broker.out.toString())
                    .contains("SASL:   SCRAM-SHA-512 as grokwatch; clients: --kafka-config " + client);
            assertThat(Files.getPosixFilePermissions(client)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(client)) {
                p.load(in);
            }
            assertThat(p.getProperty("bootstrap.servers")).isEqualTo(servers);
            assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_PLAINTEXT");
            assertThat(broker.out.toString()).doesNotContain(p.getProperty("sasl.jaas.config"));

            CliRun in = CliRun.grokwatch("ingest", RUN.toString(), "--kafka-config", client.toString());
            assertThat(in.exitCode()).as(in.err()).isZero();
            assertThat(in.out()).contains("ingested 501 step records");
            CliRun policies = CliRun.grokwatch(
                    "policies", "grokwatch.metrics", "--kafka-config", client.toString(), "--policy", "budget:1000");
            assertThat(policies.exitCode()).as(policies.err()).isZero();
            assertThat(policies.out()).startsWith("1 run, 5000 steps run;");

            CliRun anonymous = CliRun.grokwatch("ingest", RUN.toString(), "--bootstrap-servers", servers);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.err().lines()).hasSize(1);
            assertThat(anonymous.err())
                    .startsWith("grokwatch ingest: Kafka at " + servers + " did not answer within 5 s");
        } finally {
            broker.command.requestStop();
            broker.awaitExit(Duration.ofSeconds(60));
        }

        // restarted on the same data: the file's password is read back, and still works
        RunningCommand<BrokerCommand> again = new RunningCommand<>(
                "broker", "--port", "0", "--data-dir", data.toString(), "--sasl", "--client-config", client.toString());
        String servers2 = again.command.awaitReady(Duration.ofSeconds(60));
        try {
            assertThat(servers2).as(again.err.toString()).isNotNull();
            CliRun eval = CliRun.grokwatch("forecast-eval", "grokwatch.metrics", "--kafka-config", client.toString());
            assertThat(eval.exitCode()).as(eval.err()).isZero();
            assertThat(eval.out()).contains("heldout-s1-wd0.1-f0.6");
        } finally {
            again.command.requestStop();
            again.awaitExit(Duration.ofSeconds(60));
        }
    }

    @Test
    void saslFlagsGoTogether() {
        CliRun alone = CliRun.grokwatch("broker", "--sasl");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).startsWith("grokwatch broker: --sasl needs --client-config FILE");
        CliRun file = CliRun.grokwatch("broker", "--client-config", "x.properties");
        assertThat(file.exitCode()).isEqualTo(2);
        assertThat(file.err()).startsWith("grokwatch broker: --client-config goes with --sasl");
    }
}
