package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.cli.report.KafkaTopicScan;
import io.grokwatch.cli.report.RunRecords;
import io.grokwatch.cli.report.sweep.SweepRecords;
import io.grokwatch.events.Event;
import io.grokwatch.events.Job;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Runs read back from Kafka, each NAME a topic or a sweep id. A topic on the cluster is read from the beginning to
 * its end offsets and every step record on it is a run's, by run id (its budget from its run_started on
 * grokwatch.runs or its job on grokwatch.jobs). Any other NAME is a sweep id: its runs are
 * those whose job on grokwatch.jobs or run_started on grokwatch.runs names the sweep, and their step records come
 * from grokwatch.metrics. Within a NAME runs come in run id order ({@link SweepRecords#BY_INDEX}), each step once
 * (the last copy wins, as in {@code report}); a queued job with no step yet is left out.
 *
 * <pre>{@code
 * List<RecordedRun> runs = KafkaRunSource.builder().clientProperties(props).names(List.of("sw-1")).build().read();
 * }</pre>
 */
public final class KafkaRunSource implements RunSource {

    /** The characters Kafka allows in a topic name; a RUNS argument with any other can only be a path. */
    public static final Pattern KAFKA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private final Properties clientProperties;
    private final List<String> names;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final PrintWriter progress;

    private KafkaRunSource(Builder b) {
        this.clientProperties = b.clientProperties;
        this.names = b.names;
        this.timeout = b.timeout;
        this.connectTimeout = b.connectTimeout;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads every NAME in one consumer: one pass per topic, then, for the sweep ids, one over grokwatch.runs and
     * grokwatch.jobs and one over grokwatch.metrics.
     *
     * @throws BadRunInputException when a NAME is neither a topic nor a sweep on the cluster, or holds no steps
     * @throws KafkaUnreachableException when no broker answers within the connect timeout
     * @throws TimeoutException when reading takes longer than the timeout
     */
    @Override
    public List<RecordedRun> read() throws BadRunInputException, TimeoutException {
        String servers = clientProperties.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        Map<String, List<RecordedRun>> byName = new LinkedHashMap<>();
        try (KafkaTopicScan scan = new KafkaTopicScan(clientProperties, timeout, String.join(" ", names))) {
            scan.progress(progress);
            Set<String> topics;
            try {
                topics = scan.topics(connectTimeout);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new KafkaUnreachableException("Kafka at " + servers + " did not answer within "
                        + connectTimeout.toSeconds() + " s, so " + String.join(", ", names)
                        + " could not be looked up as a topic or a sweep id; is the broker running?"
                        + " (--bootstrap-servers, --kafka-config)");
            }
            List<String> sweeps = new ArrayList<>();
            for (String name : names) {
                if (topics.contains(name)) byName.put(name, readTopic(scan, name));
                else sweeps.add(name);
            }
            if (!sweeps.isEmpty()) byName.putAll(readSweeps(scan, sweeps, topics, servers));
        }
        List<RecordedRun> runs = new ArrayList<>();
        Map<String, String> from = new HashMap<>();
        for (String name : names) {
            for (RecordedRun r : byName.get(name)) {
                String other = from.putIfAbsent(r.name(), name);
                if (other != null) {
                    throw new BadRunInputException(
                            "run " + r.name() + " is in both " + other + " and " + name + "; give each run once");
                }
                runs.add(r);
            }
        }
        return runs;
    }

    private List<RecordedRun> readTopic(KafkaTopicScan scan, String topic)
            throws BadRunInputException, TimeoutException {
        Map<String, RunRecords.Collector> runs = new TreeMap<>(SweepRecords.BY_INDEX);
        KafkaTopicScan.Pass pass = scan.pass(List.of(topic), List.of(), "topic " + topic, k -> true, e -> {
            if (e instanceof StepRecord)
                runs.computeIfAbsent(e.run(), RunRecords::collector).add(e);
        });
        if (runs.isEmpty()) {
            throw new BadRunInputException(topic + ": the topic holds no step records (" + pass.records()
                    + " records read" + (pass.undecodable() > 0 ? ", " + pass.undecodable() + " undecodable" : "")
                    + "); step records are on " + Topics.METRICS);
        }
        // the budgets: the runs' run_started on grokwatch.runs, else their jobs (both topics optional)
        Map<String, Job> jobs = new HashMap<>();
        if (!topic.equals(Topics.RUNS)) {
            scan.pass(List.of(), List.of(Topics.RUNS, Topics.JOBS), "the runs' budgets", runs::containsKey, e -> {
                if (e instanceof RunStarted) runs.get(e.run()).add(e);
                else if (e instanceof Job j) jobs.put(j.run(), j);
            });
        }
        say(topic + ": topic, " + runs.size() + " runs");
        return recorded(runs.values().stream().map(RunRecords.Collector::build).toList(), jobs);
    }

    private Map<String, List<RecordedRun>> readSweeps(
            KafkaTopicScan scan, List<String> ids, Set<String> topics, String servers)
            throws BadRunInputException, TimeoutException {
        Map<String, SweepRecords.Collector> sweeps = new LinkedHashMap<>();
        for (String id : ids) sweeps.put(id, new SweepRecords.Collector(id));
        // both optional: a cluster without either topic simply has no sweeps, which the message below says
        scan.pass(List.of(), List.of(Topics.RUNS, Topics.JOBS), "runs and jobs", k -> true, e -> {
            for (SweepRecords.Collector c : sweeps.values()) c.addMembership(e);
        });
        Set<String> members = new TreeSet<>();
        for (Map.Entry<String, SweepRecords.Collector> s : sweeps.entrySet()) {
            if (!s.getValue().found()) {
                throw new BadRunInputException("not a file, a topic on " + servers + ", or a sweep id: " + s.getKey()
                        + known(s.getValue().sweepsSeen()));
            }
            members.addAll(s.getValue().memberIds());
        }
        if (topics.contains(Topics.METRICS)) {
            scan.pass(List.of(Topics.METRICS), List.of(), "the sweeps' steps", members::contains, (Event e) -> {
                for (SweepRecords.Collector c : sweeps.values()) c.addData(e);
            });
        }
        Map<String, List<RecordedRun>> out = new LinkedHashMap<>();
        for (Map.Entry<String, SweepRecords.Collector> s : sweeps.entrySet()) {
            SweepRecords records = s.getValue().build();
            List<RunRecords> withSteps = records.runs().values().stream()
                    .filter(r -> !r.steps().isEmpty())
                    .toList();
            int all = records.runIds().size();
            if (withSteps.isEmpty()) {
                throw new BadRunInputException(s.getKey() + ": none of the sweep's " + all
                        + " runs has step records on " + Topics.METRICS + " yet");
            }
            say(s.getKey() + ": sweep of " + all + " runs, " + withSteps.size() + " with step records");
            out.put(s.getKey(), recorded(withSteps, records.jobs()));
        }
        return out;
    }

    /** Each run with its budget: the configured steps of its run_started, else of its job, else unknown. */
    private static List<RecordedRun> recorded(List<RunRecords> runs, Map<String, Job> jobs) {
        return runs.stream()
                .map(r -> {
                    Long budget = r.started() != null ? r.started().budget() : null;
                    if (budget == null && jobs.containsKey(r.run()))
                        budget = jobs.get(r.run()).budget();
                    return new RecordedRun(r.run(), r.steps(), budget);
                })
                .toList();
    }

    private static String known(List<String> sweeps) {
        if (sweeps.isEmpty()) return " (the cluster holds no sweeps)";
        int shown = Math.min(sweeps.size(), 3);
        return " (sweeps there" + (sweeps.size() > shown ? ", the last " + shown + " of " + sweeps.size() : "") + ": "
                + String.join(", ", sweeps.subList(sweeps.size() - shown, sweeps.size())) + ")";
    }

    private void say(String line) {
        if (progress == null) return;
        progress.println(line);
        progress.flush();
    }

    /** No broker answered; the message names the servers and the names that could not be looked up. */
    public static final class KafkaUnreachableException extends RuntimeException {
        KafkaUnreachableException(String message) {
            super(message);
        }
    }

    /** Configures a {@link KafkaRunSource}. */
    public static final class Builder {
        private Properties clientProperties = new Properties();
        private List<String> names = List.of();
        private Duration timeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private PrintWriter progress;

        private Builder() {}

        /** Kafka client properties; {@code bootstrap.servers} is required. */
        public Builder clientProperties(Properties p) {
            this.clientProperties = new Properties();
            this.clientProperties.putAll(p);
            return this;
        }

        /** Topics and sweep ids, in the order their runs are listed. */
        public Builder names(List<String> names) {
            this.names = List.copyOf(names);
            return this;
        }

        /** How long reading every NAME may take at most; 60 s by default. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** How long the first answer from a broker may take; 5 s by default, so a broker that is down shows fast. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Where a line per NAME and progress during long reads go; none by default. */
        public Builder progress(PrintWriter progress) {
            this.progress = progress;
            return this;
        }

        public KafkaRunSource build() {
            if (names.isEmpty()) throw new IllegalArgumentException("no topic or sweep id given");
            for (String n : names) {
                if (!KAFKA_NAME.matcher(n).matches()) {
                    throw new IllegalArgumentException(
                            "'" + n + "' cannot be a topic or a sweep id: use letters, digits, '.', '_' and '-'");
                }
            }
            if (Set.copyOf(names).size() != names.size())
                throw new IllegalArgumentException("a topic or sweep id is given twice: " + names);
            if (timeout == null || timeout.isNegative() || timeout.isZero())
                throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero())
                throw new IllegalArgumentException("connectTimeout must be > 0, got " + connectTimeout);
            if (!clientProperties.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG))
                throw new IllegalArgumentException("bootstrap.servers is missing from the Kafka client properties");
            return new KafkaRunSource(this);
        }
    }
}
