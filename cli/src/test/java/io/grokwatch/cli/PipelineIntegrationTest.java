package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the embedded broker: a recorded run is ingested with the CLI, the
 * analyzer classifies it, and a scrape of the bridge shows the last step's values and the
 * phase the analyzer found; once the run has finished, its series leave after the TTL.
 */
class PipelineIntegrationTest {
    private static final Duration TTL = Duration.ofMinutes(15);

    @TempDir
    Path dir;

    @Test
    void ingestedRunIsAnalyzedAndScrapedThenExpiresAfterItFinishes() throws Exception {
        String run = "recorded-grok";
        List<StepRecord> steps = groksAt1500(run);
        Path jsonl = dir.resolve("run.jsonl");
        List<String> lines = new ArrayList<>();
        for (StepRecord s : steps) lines.add(EventCodec.encodeToString(s));
        Files.write(jsonl, lines);
        StepRecord last = steps.get(steps.size() - 1);

        MutableClock clock = new MutableClock(System.currentTimeMillis());
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start();
                AnalyzerService analyzer = AnalyzerService.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .instanceId("it-1")
                        .build()
                        .start();
                MetricsBridge bridge = MetricsBridge.builder()
                        .kafkaProperties(props(kafka.bootstrapServers()))
                        .port(0)
                        .runTtl(TTL)
                        .clock(clock)
                        .lagInterval(Duration.ofMillis(500))
                        .build()
                        .start()) {
            send(
                    kafka.bootstrapServers(),
                    new RunStarted(
                            run,
                            1L,
                            "add",
                            "mlp",
                            Map.of("p", 53),
                            Provenance.current(7, "split-hash", "pytorch 2.x (recorded elsewhere)")));

            CliRun ingest =
                    CliRun.grokwatch("ingest", jsonl.toString(), "--bootstrap-servers", kafka.bootstrapServers());
            assertThat(ingest.exitCode()).as(ingest.err()).isZero();

            String labels = "model=\"mlp\",run=\"" + run + "\",task=\"add\"";
            // the exposition format sorts labels by name, so phase sits between model and run
            String grokked =
                    "grokwatch_run_phase{model=\"mlp\",phase=\"GROKKED\",run=\"" + run + "\",task=\"add\"} 1.0";
            String memorized =
                    "grokwatch_run_phase{model=\"mlp\",phase=\"MEMORIZED\",run=\"" + run + "\",task=\"add\"} 0.0";
            String scrape = scrapeUntil(
                    bridge,
                    s -> s.contains(grokked)
                            && s.contains("grokwatch_run_step{" + labels + "} " + (double) last.step()));
            assertThat(scrape)
                    .contains("grokwatch_run_val_accuracy_ratio{" + labels + "} " + last.valAcc())
                    .contains("grokwatch_run_train_accuracy_ratio{" + labels + "} " + last.trainAcc())
                    .contains("grokwatch_run_val_loss{" + labels + "} " + last.valLoss())
                    .contains("grokwatch_run_memorized_step{" + labels + "} 20.0")
                    .contains("grokwatch_run_grokked_step{" + labels + "} ")
                    .contains(memorized);

            send(
                    kafka.bootstrapServers(),
                    new RunFinished(run, 2L, RunFinished.Status.COMPLETED, "budget", last.step()));
            scrapeUntil(bridge, s -> s.contains("grokwatch_run_finished{" + labels + "} 1.0"));

            clock.advance(TTL.plusSeconds(1));
            String after = scrapeUntil(bridge, s -> !s.contains("run=\"" + run + "\""));
            // the counters are not per run and outlive the run's series
            assertThat(after).contains("grokwatch_transitions_total{to=\"GROKKED\"}");
        }
    }

    /** Train accuracy reaches 1 at step 20; validation sits near chance until 1,500, then climbs. */
    private static List<StepRecord> groksAt1500(String run) {
        List<StepRecord> out = new ArrayList<>();
        for (long step = 0; step <= 2500; step += 10) {
            double train = Math.min(1.0, step / 20.0);
            double val = step < 1500 ? 0.02 : Math.min(1.0, 0.02 + (step - 1500) / 300.0);
            out.add(new StepRecord(
                    run,
                    step,
                    0.01 + (1 - train),
                    train,
                    5 - 4 * val,
                    val,
                    null,
                    60.0 - step / 100.0,
                    null,
                    null,
                    0.03,
                    null));
        }
        return out;
    }

    private static String scrapeUntil(MetricsBridge bridge, Predicate<String> done) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest get =
                HttpRequest.newBuilder(URI.create(bridge.metricsUrl())).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
            if (done.test(body)) return body;
            Thread.sleep(200);
        }
        throw new AssertionError("the scrape never satisfied the condition; last scrape:\n" + body);
    }

    private static void send(String servers, Event e) throws Exception {
        try (KafkaProducer<String, Event> p =
                new KafkaProducer<>(props(servers), new StringSerializer(), new EventSerde.EventSerializer())) {
            p.send(new ProducerRecord<>(topicOf(e), e.run(), e)).get();
        }
    }

    private static String topicOf(Event e) {
        return io.grokwatch.events.EventType.of(e).topic();
    }

    private static Properties props(String servers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        return p;
    }

    /** A clock the test moves forward, for the bridge's TTL. */
    private static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(long start) {
            millis = new AtomicLong(start);
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }
}
