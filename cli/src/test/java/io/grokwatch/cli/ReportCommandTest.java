package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.cli.report.ReportTestRuns;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventType;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReportCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void writesTheReportOfARecordedRun() throws Exception {
        Path jsonl = dir.resolve("run.jsonl");
        Files.write(
                jsonl,
                ReportTestRuns.grokking("rec-1").stream()
                        .map(EventCodec::encodeToString)
                        .toList());

        int code = run(
                "report", jsonl.toString(), "--report-dir", dir.resolve("out").toString());

        assertThat(code).as(err.toString()).isZero();
        Path report = dir.resolve("out/rec-1.html").toAbsolutePath();
        assertThat(out.toString()).contains("run rec-1: GROKKING, t_train ").contains("report: " + report);
        assertThat(Files.readString(report)).contains("\"finalClass\":\"GROKKING\"");
    }

    @Test
    void readsTheRunFromKafka() throws Exception {
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().port(0).partitions(2).build().start()) {
            publish(kafka.bootstrapServers(), ReportTestRuns.grokking("live-1"));
            publish(kafka.bootstrapServers(), ReportTestRuns.grokking("other").subList(0, 50));
            Path target = dir.resolve("live.html");

            int code = run(
                    "report",
                    "--run",
                    "live-1",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "-o",
                    target.toString());

            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("run live-1: GROKKING").contains("1001 step records, 21 snapshots");
            assertThat(Files.readString(target)).contains("\"run\":\"live-1\"");

            assertThat(run(
                            "report",
                            "--run",
                            "nope",
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--timeout",
                            "20"))
                    .isEqualTo(1);
            assertThat(err.toString()).contains("report: Kafka holds no step records of run 'nope'");
        }
    }

    @Test
    void withoutAFileOrARunItIsAUsageError() {
        assertThat(run("report")).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo(
                        "grokwatch report: give a FILE.jsonl, or --run RUN to read the run from Kafka. Run 'grokwatch report --help' for usage.");
        assertThat(run("report", dir.resolve("missing.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("missing.jsonl: no such file");
    }

    @Test
    void anAxisIsNamedByTrainsFlagOrByTheSetting() {
        assertThat(ReportCommand.settingName("weight-decay")).isEqualTo("weightDecay");
        assertThat(ReportCommand.settingName("--d-model")).isEqualTo("dModel");
        assertThat(ReportCommand.settingName("trainFraction")).isEqualTo("trainFraction");
    }

    private static void publish(String bootstrap, List<Event> events) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("max.request.size", String.valueOf(8 * 1024 * 1024));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Event e : events) {
                producer.send(new ProducerRecord<>(EventType.of(e).topic(), Topics.key(e), EventCodec.encode(e)));
            }
            producer.flush();
        }
    }
}
