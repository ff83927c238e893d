package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.policy.PolicySpecs;
import java.util.HashMap;
import java.util.Map;

/**
 * A bare analyzer process, without the CLI: used by the exactly-once test (killed with SIGKILL
 * and restarted) and handy for running the service from a classpath.
 *
 * <pre>
 * java -cp ... io.grokwatch.analyzer.kafka.AnalyzerMain --bootstrap-servers 127.0.0.1:9092 \
 *     [--group-id G] [--instance-id I] [--max-poll-records N] [--auto-stop grokked+500]
 * </pre>
 *
 * {@code --max-poll-records} defaults to {@value AnalyzerService#DEFAULT_MAX_POLL_RECORDS}, as in the CLI.
 * Prints {@code started <instance>} once the pipeline is subscribed and a stats line every
 * {@code --stats-every-ms} (default 1000); SIGTERM closes the service cleanly.
 */
public final class AnalyzerMain {
    private AnalyzerMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        AnalyzerService.Builder b = AnalyzerService.builder().bootstrapServers(require(opts, "--bootstrap-servers"));
        if (opts.containsKey("--group-id")) b.groupId(opts.get("--group-id"));
        if (opts.containsKey("--instance-id")) b.instanceId(opts.get("--instance-id"));
        if (opts.containsKey("--max-poll-records")) b.maxPollRecords(Integer.parseInt(opts.get("--max-poll-records")));
        if (opts.containsKey("--auto-stop")) b.stopPolicy(PolicySpecs.parseLive(opts.get("--auto-stop")));
        long statsEvery = Long.parseLong(opts.getOrDefault("--stats-every-ms", "1000"));
        AnalyzerService service = b.build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "analyzer-shutdown"));
        System.out.println("started " + service.instanceId());
        System.out.flush();
        while (!service.termination().isDone()) {
            try {
                service.termination().get(statsEvery, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.out.println("stats " + service.stats().snapshot());
                System.out.flush();
            } catch (java.util.concurrent.ExecutionException e) {
                System.err.println("analyzer failed: " + e.getCause().getMessage());
                System.exit(1);
            }
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            out.put(args[i], args[++i]);
        }
        return out;
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) throw new IllegalArgumentException(name + " is required");
        return v;
    }
}
