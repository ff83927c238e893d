package io.grokwatch.analyzer.bench;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.events.ConsumerGroups;
import io.grokwatch.events.Event;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Transition;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The whole-pipeline load run behind {@code grokwatch loadgen}: N concurrent synthetic runs at a set rate onto
 * grokwatch.metrics of a running broker, with the analyzer and the bridge in their own processes, while it measures
 * the analyzer's and the bridge's consumer lag, the bridge's /metrics scrape time, the end-to-end latency of every
 * transition (sending the record that completes it to reading it read_committed from grokwatch.events), whether each
 * arrives exactly once, and the analyzer's heap per run (jcmd on its pid). Prints a markdown table.
 *
 * <p>Runs come in waves of {@code runs} concurrent runs of {@code evaluations} records each (SyntheticRuns' four
 * shapes in turn), as many waves as the duration needs at the rate; each wave's runs are new.
 */
public final class LoadBench {
    private LoadBench() {}

    /** What a load run is told. */
    public record Settings(
            String servers,
            int runs,
            double rate,
            Duration duration,
            int evaluations,
            String bridgeUrl,
            Long analyzerPid,
            String analyzerGroup,
            String bridgeGroup,
            Duration warmup) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = AnalyzerBench.options(args);
        Settings s = new Settings(
                o.getOrDefault("--bootstrap-servers", "127.0.0.1:9092"),
                Integer.parseInt(o.getOrDefault("--runs", "1000")),
                Double.parseDouble(o.getOrDefault("--rate", "50000")),
                Duration.ofSeconds(Long.parseLong(o.getOrDefault("--seconds", "120"))),
                Integer.parseInt(o.getOrDefault("--evaluations", "3000")),
                o.get("--bridge-url"),
                o.containsKey("--analyzer-pid") ? Long.valueOf(o.get("--analyzer-pid")) : null,
                o.getOrDefault("--analyzer-group", ConsumerGroups.ANALYZER),
                o.getOrDefault("--bridge-group", ConsumerGroups.BRIDGE),
                Duration.ofSeconds(Long.parseLong(o.getOrDefault("--warmup-seconds", "30"))));
        System.out.print(run(s, System.err));
    }

    /** Runs the load; progress on {@code log}; returns the table. */
    public static String run(Settings s, PrintStream log) throws Exception {
        long total = (long) (s.rate() * s.duration().toSeconds());
        int waves = (int) Math.max(1, Math.ceil(total / (double) ((long) s.runs() * s.evaluations())));
        Long heapBefore = s.analyzerPid() == null ? null : heapAfterGc(s.analyzerPid());
        int warmRuns = warmUp(s, log);

        // What the analyzer must say, from the detector offline: each transition and the record that completes it.
        Map<String, Long> triggerStep = new HashMap<>();
        Map<String, Boolean> triggers = new HashMap<>();
        List<Map<String, List<StepRecord>>> byWave = new ArrayList<>();
        for (int w = 0; w < waves; w++) {
            Map<String, List<StepRecord>> runs = SyntheticRuns.runs("load-w" + w + "-", s.runs(), s.evaluations(), w);
            byWave.add(runs);
            for (List<StepRecord> steps : runs.values()) {
                RunDetector d = new RunDetector(steps.get(0).run(), DetectorConfig.defaults());
                for (StepRecord r : steps) {
                    for (Event e : d.accept(r, 0)) {
                        if (e instanceof Transition t) {
                            triggerStep.put(AnalyzerBench.transitionKey(t), r.step());
                            triggers.put(r.run() + "/" + r.step(), true);
                        }
                    }
                }
            }
        }
        log.printf(
                Locale.ROOT,
                "loadgen: %d waves of %d runs x %d records at %.0f records/s; %d transitions expected%n",
                waves,
                s.runs(),
                s.evaluations(),
                s.rate(),
                triggerStep.size());

        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        TransitionReader reader = new TransitionReader(s.servers(), triggerStep, sentAt);
        reader.start();
        reader.awaitPositioned();
        Sampler sampler = new Sampler(s);
        sampler.start();
        long start = System.nanoTime();
        double achieved = 0;
        long sent = 0;
        for (int w = 0; w < waves; w++) {
            List<StepRecord> records = SyntheticRuns.interleave(byWave.get(w));
            byWave.set(w, null); // let the wave's lists go once interleaved
            if (sent + records.size() > total) records = records.subList(0, (int) (total - sent));
            achieved = AnalyzerBench.produce(s.servers(), records, s.rate(), triggers, sentAt);
            sent += records.size();
            log.printf(
                    Locale.ROOT,
                    "  wave %d: %d records at %.0f records/s, lag %d%n",
                    w,
                    records.size(),
                    achieved,
                    sampler.lastAnalyzerLag.get());
        }
        double produceSeconds = (System.nanoTime() - start) / 1e9;
        // Drain: until both groups are caught up and every expected transition is in (or 120 s).
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long expectedHere = triggerStep.keySet().stream()
                .filter(k -> sentAt.containsKey(k.substring(0, k.indexOf('/')) + "/" + triggerStep.get(k)))
                .count();
        while (System.nanoTime() < deadline
                && (reader.distinct() < expectedHere
                        || sampler.lastAnalyzerLag.get() > 0
                        || sampler.lastBridgeLag.get() > 0)) LockSupport.parkNanos(200_000_000);
        double drainSeconds = (System.nanoTime() - start) / 1e9 - produceSeconds;
        LockSupport.parkNanos(3_000_000_000L); // late duplicates would show up here
        sampler.stopSampling();
        reader.stopReading();
        reader.join(5_000);
        sampler.join(5_000);
        Long heapAfter = s.analyzerPid() == null ? null : heapAfterGc(s.analyzerPid());

        long[] lat = reader.latencies();
        long[] scrapes = sampler.scrapeNanos();
        StringBuilder b = new StringBuilder();
        b.append("| what | value |\n|---|---|\n");
        row(
                b,
                "load",
                String.format(
                        Locale.ROOT,
                        "%d concurrent runs (%d waves), %d records in %.1f s: %.0f records/s" + " sent (asked %.0f)",
                        s.runs(),
                        waves,
                        sent,
                        produceSeconds,
                        sent / produceSeconds,
                        s.rate()));
        row(
                b,
                "analyzer lag on grokwatch.metrics: max / at the end",
                sampler.maxAnalyzerLag.get() + " / "
                        + sampler.lastAnalyzerLag.get() + " records (drained "
                        + String.format(Locale.ROOT, "%.1f", drainSeconds)
                        + " s after the last send)");
        row(
                b,
                "bridge lag (all its topics): max / at the end",
                sampler.maxBridgeLag.get() + " / " + sampler.lastBridgeLag.get() + " records"
                        + (sampler.failedLagSamples.get() == 0
                                ? ""
                                : " (" + sampler.failedLagSamples.get() + " lag samples failed)"));
        row(
                b,
                "transition latency, send -> read_committed: p50 / p99 / max",
                String.format(
                        Locale.ROOT,
                        "%.0f / %.0f / %.0f ms (%d transitions)",
                        AnalyzerBench.millis(lat, 0.5),
                        AnalyzerBench.millis(lat, 0.99),
                        AnalyzerBench.millis(lat, 1.0),
                        lat.length));
        row(
                b,
                "transitions: expected / arrived / duplicated / missing",
                expectedHere + " / " + reader.distinct() + " / " + reader.duplicates() + " / "
                        + Math.max(0, expectedHere - reader.distinct()));
        if (s.bridgeUrl() != null) {
            row(
                    b,
                    "bridge /metrics scrape: p50 / p99 / max",
                    String.format(
                            Locale.ROOT,
                            "%.0f / %.0f / %.0f ms (%d scrapes, %d failed, %d bytes at the end)",
                            AnalyzerBench.millis(scrapes, 0.5),
                            AnalyzerBench.millis(scrapes, 0.99),
                            AnalyzerBench.millis(scrapes, 1.0),
                            scrapes.length,
                            sampler.failedScrapes.get(),
                            sampler.lastScrapeBytes.get()));
        }
        if (heapBefore != null && heapAfter != null) {
            long held = (long) waves * s.runs() + warmRuns;
            row(
                    b,
                    "analyzer heap after GC: before / after / per run held",
                    String.format(
                            Locale.ROOT,
                            "%.1f / %.1f MB / %.1f KB (%d runs held)",
                            heapBefore / 1e6,
                            heapAfter / 1e6,
                            (heapAfter - heapBefore) / 1e3 / held,
                            held));
        }
        return b.toString();
    }

    /**
     * Runs of their own at the rate for the warm-up, then waits until the analyzer has caught up: the JITs of the
     * analyzer and the bridge compile their hot paths in the first tens of seconds, which is not the steady state
     * the table is about. Returns the runs it started (their state stays in the analyzer).
     */
    private static int warmUp(Settings s, PrintStream log) throws Exception {
        if (s.warmup().isZero()) return 0;
        int evaluations = (int) Math.max(2, Math.min(4000, s.rate() * s.warmup().toSeconds() / s.runs()));
        log.printf(
                Locale.ROOT,
                "loadgen: warming up for %d s (%d runs x %d records) ...%n",
                s.warmup().toSeconds(),
                s.runs(),
                evaluations);
        List<StepRecord> records =
                SyntheticRuns.interleave(SyntheticRuns.runs("load-warm-", s.runs(), evaluations, 1000));
        AnalyzerBench.produce(s.servers(), records, s.rate(), Map.of());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.servers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while ((Sampler.lag(admin, s.analyzerGroup()) > 0 || Sampler.lag(admin, s.bridgeGroup()) > 0)
                    && System.nanoTime() < deadline) LockSupport.parkNanos(500_000_000);
        }
        return s.runs();
    }

    private static void row(StringBuilder b, String what, String value) {
        b.append("| ").append(what).append(" | ").append(value).append(" |\n");
    }

    /** A heap space's line of GC.heap_info ("PSYoungGen total 113152K, used 71175K", "garbage-first heap ..."). */
    private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /** The process's heap in use right after a full GC, from jcmd (bytes): the sum over its generations. */
    static long heapAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = USED.matcher(info);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1)) * 1024;
            found = true;
        }
        if (!found) throw new IllegalStateException("no 'total NK, used NK' in jcmd " + pid + " GC.heap_info: " + info);
        return used;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
        return out;
    }

    /** Every second: both groups' lag (end offsets minus committed), and one timed scrape of the bridge. */
    private static final class Sampler extends Thread {
        private final Settings s;
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final List<Long> scrapes = new ArrayList<>();
        final AtomicLong maxAnalyzerLag = new AtomicLong();
        final AtomicLong lastAnalyzerLag = new AtomicLong(-1);
        final AtomicLong maxBridgeLag = new AtomicLong();
        final AtomicLong lastBridgeLag = new AtomicLong(-1);
        final AtomicLong lastScrapeBytes = new AtomicLong();
        final AtomicLong failedScrapes = new AtomicLong(); // the bridge down or restarting
        final AtomicLong failedLagSamples = new AtomicLong(); // the broker down
        private volatile boolean running = true;

        Sampler(Settings s) {
            super("loadgen-sampler");
            setDaemon(true);
            this.s = s;
        }

        void stopSampling() {
            running = false;
        }

        synchronized long[] scrapeNanos() {
            return scrapes.stream().mapToLong(Long::longValue).sorted().toArray();
        }

        @Override
        public void run() {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.servers()))) {
                while (running) {
                    long next = System.nanoTime() + 1_000_000_000L;
                    try {
                        long a = lag(admin, s.analyzerGroup());
                        lastAnalyzerLag.set(a);
                        maxAnalyzerLag.accumulateAndGet(a, Math::max);
                        long b = lag(admin, s.bridgeGroup());
                        lastBridgeLag.set(b);
                        maxBridgeLag.accumulateAndGet(b, Math::max);
                    } catch (Exception e) {
                        failedLagSamples.incrementAndGet();
                        System.err.println("loadgen: lag sample failed: " + e);
                    }
                    if (s.bridgeUrl() != null) scrape();
                    long wait = next - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                }
            }
        }

        private void scrape() {
            long t0 = System.nanoTime();
            try {
                HttpResponse<byte[]> r = http.send(
                        HttpRequest.newBuilder(URI.create(s.bridgeUrl()))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                long took = System.nanoTime() - t0;
                if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
                lastScrapeBytes.set(r.body().length);
                synchronized (this) {
                    scrapes.add(took);
                }
            } catch (Exception e) {
                failedScrapes.incrementAndGet();
                System.err.println("loadgen: scrape of " + s.bridgeUrl() + " failed: " + e);
            }
        }

        /** Sum over the group's committed partitions of end offset minus committed offset. */
        static long lag(Admin admin, String group) throws Exception {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            if (committed.isEmpty()) return 0;
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            long lag = 0;
            for (var e : committed.entrySet()) {
                if (e.getValue() == null) continue;
                lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
            }
            return lag;
        }
    }
}
