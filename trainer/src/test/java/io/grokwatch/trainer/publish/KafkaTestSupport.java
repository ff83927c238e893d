package io.grokwatch.trainer.publish;

import static org.assertj.core.api.Assertions.fail;

import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reading topics back and waiting on conditions with a deadline, for the publish tests. */
final class KafkaTestSupport {
    private KafkaTestSupport() {}

    /** A port nobody listens on right now. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A warning sink that keeps the lines and echoes them to stderr, so a failing test's report shows them. */
    static java.util.function.Consumer<String> collectInto(List<String> lines) {
        return line -> {
            System.err.println("[warning sink] " + line);
            lines.add(line);
        };
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        await(timeout, () -> what, condition);
    }

    static void await(Duration timeout, Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout + " waiting for " + what.get());
            Thread.sleep(20);
        }
    }

    /** One record read back: its key, raw value and the decoded event. */
    record Read(String key, byte[] value, Event event) {}

    /**
     * Reads {@code topic} from the beginning of every partition until {@code expected} records
     * keyed {@code run} have arrived (fails after {@code timeout}); keeps reading 300 ms more so
     * duplicates would show. Records of other runs are skipped.
     */
    static List<Read> readRun(String servers, String topic, String run, int expected, Duration timeout)
            throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<Read> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (run.equals(r.key())) out.add(new Read(r.key(), r.value(), EventCodec.decode(r.value())));
                }
                if (out.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofMillis(300).toNanos();
                }
            }
        }
        if (out.size() < expected) {
            fail("read " + out.size() + " of " + expected + " records of run " + run + " from " + topic + " within "
                    + timeout);
        }
        return out;
    }

    /** The events of {@link #readRun}. */
    static List<Event> events(List<Read> reads) {
        return reads.stream().map(Read::event).toList();
    }
}
