package io.grokwatch.trainer.publish;

import static io.grokwatch.trainer.publish.KafkaTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.EventSerde;
import io.grokwatch.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ControlListener} against a real broker: right run only, once per id, from the run's start, through an outage. */
class ControlListenerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    private static KafkaProducer<String, Event> producer(String servers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EventSerde.EventSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static void send(KafkaProducer<String, Event> p, ControlCommand c, Long timestamp) throws Exception {
        p.send(new ProducerRecord<>(Topics.CONTROL, null, timestamp, c.run(), c))
                .get();
    }

    private static ControlCommand cmd(String run, String id, ControlCommand.Command what) {
        return new ControlCommand(run, id, what, System.currentTimeMillis(), "test");
    }

    /** Records what one listener was told. */
    private static final class Seen {
        final List<String> stops = new CopyOnWriteArrayList<>();
        final List<String> checkpoints = new CopyOnWriteArrayList<>();

        ControlListener listen(String servers, String run, long since) {
            return ControlListener.builder()
                    .bootstrapServers(servers)
                    .run(run)
                    .since(since)
                    .onStop(c -> stops.add(c.id()))
                    .onCheckpoint(c -> checkpoints.add(c.id()))
                    .retryBackoff(Duration.ofMillis(200))
                    .start();
        }
    }

    @Test
    void aStopForRunAReachesOnlyAOnceAndCommandsSentBeforeFollowingStillCount() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(3).build().start();
                KafkaProducer<String, Event> p = producer(kafka.bootstrapServers())) {
            String a = "run-a-" + System.nanoTime();
            String b = "run-b-" + System.nanoTime();
            long since = System.currentTimeMillis();
            // Before the run started: must not count. After it started but before the listener follows: must.
            send(p, cmd(a, "old-stop", ControlCommand.Command.STOP), since - 60_000);
            send(p, cmd(a, "stop-1", ControlCommand.Command.STOP), null);

            Seen seenA = new Seen();
            Seen seenB = new Seen();
            ControlListener la = seenA.listen(kafka.bootstrapServers(), a, since);
            try (ControlListener lb = seenB.listen(kafka.bootstrapServers(), b, since)) {
                await(WAIT, "the STOP for run A", () -> seenA.stops.contains("stop-1"));
                assertThat(la.stopRequested()).isTrue();

                send(p, cmd(a, "stop-1", ControlCommand.Command.STOP), null); // the same id again
                send(p, cmd(a, "ckpt-1", ControlCommand.Command.CHECKPOINT), null);
                send(p, cmd(a, "ckpt-1", ControlCommand.Command.CHECKPOINT), null);
                send(p, cmd(a, "ckpt-2", ControlCommand.Command.CHECKPOINT), null); // marks the end for A
                send(p, cmd(b, "ckpt-b", ControlCommand.Command.CHECKPOINT), null); // marks the end for B
                await(WAIT, "A's last checkpoint", () -> seenA.checkpoints.contains("ckpt-2"));
                await(WAIT, "B's checkpoint", () -> seenB.checkpoints.contains("ckpt-b"));

                assertThat(seenA.stops).containsExactly("stop-1");
                assertThat(seenA.checkpoints).containsExactly("ckpt-1", "ckpt-2");
                assertThat(la.commandsHandled()).isEqualTo(3);
                assertThat(seenB.stops).isEmpty();
                assertThat(seenB.checkpoints).containsExactly("ckpt-b");
                assertThat(lb.stopRequested()).isFalse();

                long t0 = System.nanoTime();
                la.close();
                assertThat(Duration.ofNanos(System.nanoTime() - t0))
                        .as("close of a following listener")
                        .isLessThan(Duration.ofSeconds(2));
            } finally {
                la.close();
            }
        }
    }

    @Test
    void aListenerStartedWhileTheBrokerIsDownFollowsOnceItComesUpAndClosesPromptly() throws Exception {
        int port = KafkaTestSupport.freePort();
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().dataDir(dataDir).port(port).build()) {
            String servers = "127.0.0.1:" + port;
            String run = "late-broker-" + System.nanoTime();
            Seen seen = new Seen();
            ControlListener l = seen.listen(servers, run, System.currentTimeMillis());
            try {
                assertThat(l.isFollowing()).isFalse();
                kafka.start(); // takes seconds, during which the listener's attempts fail
                try (KafkaProducer<String, Event> p = producer(kafka.bootstrapServers())) {
                    send(p, cmd(run, "stop-late", ControlCommand.Command.STOP), null);
                }
                await(WAIT, "the STOP sent after the broker came up", () -> seen.stops.contains("stop-late"));
                assertThat(l.isFollowing()).isTrue();
            } finally {
                long t0 = System.nanoTime();
                l.close();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("close").isLessThan(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void theCommandInPublishingMdDecodesToAStopForItsKey() throws Exception {
        String line = Files.readAllLines(Path.of("PUBLISHING.md")).stream()
                .filter(l -> l.startsWith("run-42|"))
                .findFirst()
                .orElseThrow();
        String key = line.substring(0, line.indexOf('|'));
        Event e = EventCodec.decode(line.substring(line.indexOf('|') + 1));
        assertThat(e)
                .isEqualTo(new ControlCommand(key, "stop-1", ControlCommand.Command.STOP, 1700000000000L, "enough"));
    }

    @Test
    void builderNamesWhatIsMissing() {
        assertThatThrownBy(() -> ControlListener.builder()
                        .bootstrapServers("127.0.0.1:9")
                        .start())
                .hasMessage("run must be a non-empty run id");
        assertThatThrownBy(() -> ControlListener.builder().run("r").start())
                .hasMessage("Kafka setting bootstrap.servers is required (e.g. 127.0.0.1:9092)");
        assertThatThrownBy(() -> ControlListener.builder().pollInterval(Duration.ZERO))
                .hasMessage("pollInterval must be > 0, got PT0S");
    }
}
