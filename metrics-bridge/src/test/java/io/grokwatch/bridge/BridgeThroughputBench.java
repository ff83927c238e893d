package io.grokwatch.bridge;

import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Topics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How many step records per second the bridge's processing (decode, update, write series) takes
 * on one thread, and what a scrape of many live runs costs. No Kafka: the consumer is not measured.
 *
 * <pre>
 * mvn -B -q -o -pl metrics-bridge test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.grokwatch.bridge.BridgeThroughputBench -Dexec.args="1000 200000"
 * </pre>
 */
public final class BridgeThroughputBench {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        PrometheusRegistry registry = new PrometheusRegistry();
        BridgeMetrics metrics = new BridgeMetrics(registry);
        RecordProcessor processor =
                new RecordProcessor(metrics, new RunTable(Duration.ofMinutes(15)), Clock.systemUTC());
        byte[][] encoded = new byte[records][];
        long now = System.currentTimeMillis();
        for (int i = 0; i < records; i++) {
            encoded[i] = EventCodec.encode(Runs.step("run-" + (i % runs), i / runs, now + i));
        }
        for (int r = 0; r < runs; r++) {
            processor.process(record(EventCodec.encode(Runs.started("run-" + r, "add_mod", "mlp", r)), 0));
        }
        for (int pass = 0; pass < 3; pass++) {
            long t = System.nanoTime();
            for (int i = 0; i < records; i++) {
                processor.process(record(encoded[i], i));
                if (i % 500 == 499) processor.flush(); // as the poll loop does, a poll of 500
            }
            processor.flush();
            double s = (System.nanoTime() - t) / 1e9;
            System.out.printf(
                    "pass %d: %d step records over %d runs in %.2f s = %.0f records/s%n",
                    pass, records, runs, s, records / s);
        }
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        for (int pass = 0; pass < 3; pass++) {
            long t = System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writer.write(out, registry.scrape());
            System.out.printf(
                    "scrape %d: %d bytes, %d lines in %.1f ms%n",
                    pass, out.size(), out.toString().lines().count(), (System.nanoTime() - t) / 1e6);
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] value, long offset) {
        return new ConsumerRecord<>(Topics.METRICS, 0, offset, new byte[0], value);
    }
}
