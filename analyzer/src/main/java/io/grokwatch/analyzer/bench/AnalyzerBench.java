package io.grokwatch.analyzer.bench;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Throughput and detection latency of the analyzer on the embedded broker (all in this JVM).
 *
 * <pre>
 * mvn -B -q -pl analyzer dependency:build-classpath -Dmdep.outputFile=/tmp/cp
 * java -Xmx2g -cp analyzer/target/classes:$(cat /tmp/cp) io.grokwatch.analyzer.bench.AnalyzerBench \
 *     [--runs 1000] [--evaluations 300] [--latency-rate 1000,5000] [--latency-seconds 20] [--warmup-seconds 90] \
 *     [--partitions 6] [--max-poll-records 10000] [--linger-ms 5] [--compression lz4] [--retry-backoff-ms N] \
 *     [--fetch-max-wait-ms 500] [--fetch-min-bytes N] [--bootstrap-servers HOST:PORT]
 * </pre>
 *
 * <p>Warm-up (unless {@code --warmup-seconds 0}): the broker, clients and analyzer share one JVM, whose JIT
 * was still compiling ~200 methods a second 40 s in; timing it cold doubled p99. So the backlog is produced
 * twice (two sets of runs) and only the second is timed, and an unrecorded latency round of
 * {@code --warmup-seconds} at the first rate comes before the recorded ones.
 *
 * <p>Throughput: {@code runs x evaluations} step records of concurrent runs are produced first,
 * then one analyzer instance consumes them; records/s is measured over the timed backlog, from its first
 * committed batch to its last. Latency: with the analyzer caught up, {@code runs} new runs are produced
 * interleaved at each {@code --latency-rate} (records/s, comma-separated); for every transition, the time from sending the
 * record that completes it (found by replaying the run through the detector) to the transition
 * being read by a read_committed consumer of grokwatch.events. Prints a markdown table.
 */
public final class AnalyzerBench {
    private AnalyzerBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int runs = Integer.parseInt(o.getOrDefault("--runs", "1000"));
        int evaluations = Integer.parseInt(o.getOrDefault("--evaluations", "300"));
        double latencySeconds = Double.parseDouble(o.getOrDefault("--latency-seconds", "20"));
        double warmupSeconds = Double.parseDouble(o.getOrDefault("--warmup-seconds", "90"));
        String latencyRates = o.getOrDefault("--latency-rate", "1000,5000");
        int partitions = Integer.parseInt(o.getOrDefault("--partitions", "6"));
        int maxPoll = Integer.parseInt(o.getOrDefault("--max-poll-records", "10000"));
        int linger = Integer.parseInt(o.getOrDefault("--linger-ms", "5"));
        int fetchWait = Integer.parseInt(o.getOrDefault("--fetch-max-wait-ms", "500"));
        String compression = o.getOrDefault("--compression", "lz4");
        // Unset: the analyzer's own default; set, e.g. 100 (Kafka's default), to compare.
        String retryBackoff = o.get("--retry-backoff-ms");
        String fetchMinBytes = o.get("--fetch-min-bytes");

        // --bootstrap-servers: a broker in another process (e.g. `grokwatch broker --partitions 6`, the same embedded
        // broker in its own JVM), so that its CPU and JIT are not this JVM's; topics must be empty.
        String external = o.get("--bootstrap-servers");
        System.err.println(
                external != null
                        ? "using the broker at " + external
                        : "starting the embedded broker (" + partitions + " partitions) ...");
        try (EmbeddedKafka kafka = external != null
                ? null
                : EmbeddedKafka.builder().partitions(partitions).build().start()) {
            String servers = external != null ? external : kafka.bootstrapServers();
            Map<String, List<StepRecord>> tpRuns = SyntheticRuns.runs("tp-", runs, evaluations, 0);
            long total = (long) runs * evaluations;
            // The same backlog twice, as two sets of runs; records/s is timed over the second, once the JIT has
            // compiled the batch path (timing a cold JVM's first seconds gave anything from 73k to 120k records/s).
            long warm = warmupSeconds > 0 ? total : 0;
            System.err.println("producing " + (warm + total) + " records of " + (warm > 0 ? 2 * runs : runs) + " runs ("
                    + warm + " of them to warm up) ...");
            if (warm > 0)
                produce(
                        servers,
                        SyntheticRuns.interleave(SyntheticRuns.runs("tw-", runs, evaluations, 0)),
                        0,
                        Map.of());
            double produceRate = produce(servers, SyntheticRuns.interleave(tpRuns), 0, Map.of());
            System.err.printf(Locale.ROOT, "  produced at %.0f records/s%n", produceRate);

            try (AnalyzerService analyzer = AnalyzerService.builder()
                    .bootstrapServers(servers)
                    .groupId("bench")
                    .instanceId("bench-1")
                    .maxPollRecords(maxPoll)
                    .lingerMs(linger)
                    .clientConfig(clientConfig(fetchWait, compression, retryBackoff, fetchMinBytes))
                    .build()
                    .start()) {
                // Throughput: sample the committed-records counter.
                long firstAt = 0;
                long firstCount = 0;
                long lastAt;
                long giveUp = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (true) {
                    if (System.nanoTime() > giveUp)
                        throw new IllegalStateException("the analyzer did not finish the backlog in 10 min");
                    long n = analyzer.stats().snapshot().recordsIn();
                    long now = System.nanoTime();
                    if (firstAt == 0 && n > warm) {
                        firstAt = now;
                        firstCount = n;
                    }
                    if (n >= warm + total) {
                        lastAt = now;
                        break;
                    }
                    LockSupport.parkNanos(5_000_000);
                }
                var tpStats = analyzer.stats().snapshot();
                double throughput = (warm + total - firstCount) / ((lastAt - firstAt) / 1e9);
                System.err.printf(
                        Locale.ROOT,
                        "  analyzed at %.0f records/s (%d transactions)%n",
                        throughput,
                        tpStats.transactions());

                // Latency: new runs at moderate rates while a read_committed reader watches grokwatch.events.
                List<String> rows = new ArrayList<>();
                int round = 0;
                // Warm-up: the latency path (small batches, frequent commits) runs code the backlog did not, and the
                // JIT compiling it (and recompiling the broker's) took most of a core for over a minute here.
                if (warmupSeconds > 0) {
                    double rate = Double.parseDouble(latencyRates.split(",")[0].trim());
                    int evals = (int) Math.max(10, Math.min(SyntheticRuns.SPAN_STEPS, rate * warmupSeconds / runs));
                    System.err.println("warm-up round (not recorded):");
                    latency(servers, analyzer, "warm-", runs, evals, rate);
                }
                for (String r : latencyRates.split(",")) {
                    double rate = Double.parseDouble(r.trim());
                    // Each round lasts about --latency-seconds: every run gets rate * seconds / runs evaluations.
                    int evals = (int) Math.max(10, Math.min(SyntheticRuns.SPAN_STEPS, rate * latencySeconds / runs));
                    rows.add(latency(servers, analyzer, "lat" + (round++) + "-", runs, evals, rate));
                }

                String table = String.format(
                                Locale.ROOT,
                                String.join(
                                        "\n",
                                        "| measure | value |",
                                        "|---|---|",
                                        "| throughput, %d runs x %d records (%d records), backlog | %.0f records/s (%d transactions, %.0f records each) |"),
                                runs,
                                evaluations,
                                total,
                                throughput,
                                tpStats.transactions(),
                                (double) total / Math.max(1, tpStats.transactions()))
                        + "\n" + String.join("\n", rows) + "\n"
                        + String.format(
                                Locale.ROOT,
                                "| settings | %d partitions, max.poll.records %d, linger.ms %d, compression %s, producer retry.backoff.ms %s, one transaction per batch |",
                                partitions,
                                maxPoll,
                                linger,
                                compression,
                                retryBackoff == null ? "default (5)" : retryBackoff);
                System.out.println("date: " + LocalDate.now() + ", cores: "
                        + Runtime.getRuntime().availableProcessors());
                System.out.println(table);
            }
        }
        System.exit(0);
    }

    private static Map<String, Object> clientConfig(
            int fetchWait, String compression, String retryBackoff, String fetchMinBytes) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, fetchWait);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        if (retryBackoff != null) c.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, Integer.parseInt(retryBackoff));
        if (fetchMinBytes != null) c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.parseInt(fetchMinBytes));
        return c;
    }

    /** One latency round: fresh runs at {@code rate} records/s; returns its table rows. */
    private static String latency(
            String servers, AnalyzerService analyzer, String prefix, int runs, int evaluations, double rate)
            throws Exception {
        Map<String, List<StepRecord>> latRuns = SyntheticRuns.runs(prefix, runs, evaluations, 0);
        Map<String, Long> triggerStepByTransition = new HashMap<>();
        Map<String, Boolean> triggers = new HashMap<>();
        for (Map.Entry<String, List<StepRecord>> e : latRuns.entrySet()) {
            RunDetector d = new RunDetector(e.getKey(), DetectorConfig.defaults());
            for (StepRecord s : e.getValue()) {
                for (Event out : d.accept(s, 0)) {
                    if (out instanceof Transition t) {
                        triggerStepByTransition.put(transitionKey(t), s.step());
                        triggers.put(s.run() + "/" + s.step(), true);
                    }
                }
            }
        }
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        TransitionReader reader = new TransitionReader(servers, triggerStepByTransition, sentAt);
        reader.start();
        reader.awaitPositioned();
        long txBefore = analyzer.stats().snapshot().transactions();
        System.err.printf(
                Locale.ROOT,
                "latency: %d runs x %d evaluations at %.0f records/s, %d transitions expected ...%n",
                runs,
                evaluations,
                rate,
                triggerStepByTransition.size());
        double achieved = produce(servers, SyntheticRuns.interleave(latRuns), rate, triggers, sentAt);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (reader.distinct() < triggerStepByTransition.size() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
        reader.stopReading();
        reader.join(5_000);
        long tx = analyzer.stats().snapshot().transactions() - txBefore;
        long[] sorted = reader.latencies();
        return String.format(
                Locale.ROOT,
                String.join(
                        "\n",
                        "| detection latency at %.0f records/s (%d runs x %d records): p50 / p99 / max | %.1f / %.1f / %.1f ms |",
                        "| transitions measured at %.0f records/s | %d of %d, %d transactions (%.0f records each) |"),
                achieved,
                runs,
                evaluations,
                millis(sorted, 0.50),
                millis(sorted, 0.99),
                millis(sorted, 1.0),
                achieved,
                sorted.length,
                triggerStepByTransition.size(),
                tx,
                (double) runs * evaluations / Math.max(1, tx));
    }

    static String transitionKey(Transition t) {
        return t.run() + "/" + t.to() + "/" + t.step();
    }

    static double millis(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    static double produce(String servers, List<StepRecord> records, double rate, Map<String, Boolean> triggers)
            throws Exception {
        return produce(servers, records, rate, triggers, new HashMap<>());
    }

    /** Sends the records (paced at {@code rate}/s when > 0), noting when each trigger record was sent. */
    static double produce(
            String servers,
            List<StepRecord> records,
            double rate,
            Map<String, Boolean> triggers,
            Map<String, Long> sentAt)
            throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ProducerConfig.LINGER_MS_CONFIG, rate > 0 ? 1 : 20);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicReference<Exception> failed =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<String, byte[]> p =
                new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records.size(); i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                }
                StepRecord s = records.get(i);
                String key = s.run() + "/" + s.step();
                if (triggers.containsKey(key)) sentAt.put(key, System.nanoTime());
                p.send(new ProducerRecord<>(Topics.METRICS, s.run(), EventCodec.encode(s)), (md, e) -> {
                    if (e != null) failed.compareAndSet(null, e);
                });
            }
            p.flush();
        }
        if (failed.get() != null) throw new IllegalStateException("producing the bench input failed", failed.get());
        return records.size() / ((System.nanoTime() - start) / 1e9);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
            }
            out.put(args[i], args[++i]);
        }
        return out;
    }
}
