package io.grokwatch.cli.sweep;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.InvalidEventException;
import io.grokwatch.events.Job;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one sweep on the topics: its jobs, its runs' run_started / run_finished and step records, and a CANCEL.
 * Reads from the beginning, so a watcher started later ({@code sweep --watch}) sees what one started with the sweep
 * sees. Not thread-safe: the caller polls it from one thread.
 */
final class SweepWatcher implements AutoCloseable {
    private static final List<String> TOPICS = List.of(Topics.JOBS, Topics.RUNS, Topics.METRICS, Topics.CONTROL);

    private final String sweep;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, RunState> runs = new TreeMap<>();
    private boolean cancelled;
    private boolean assigned;

    /** What the topics have said of one run of the sweep so far. */
    static final class RunState {
        final String run;
        Job job;
        boolean started;
        RunFinished finished;
        final TreeMap<Long, StepRecord> steps = new TreeMap<>(); // by step: a resumed run's repeats replace
        long valReached = -1;

        RunState(String run) {
            this.run = run;
        }

        /** The run's steps in step order, one record per step. */
        List<StepRecord> steps() {
            return new ArrayList<>(steps.values());
        }
    }

    SweepWatcher(Properties kafka, String sweep) {
        this.sweep = sweep;
        Properties p = new Properties();
        p.putAll(kafka);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "grokwatch-sweep-watch");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
    }

    /** Reads what has arrived, waiting up to {@code wait}. */
    void poll(Duration wait) {
        if (!assigned && !assign()) return;
        for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) read(r);
    }

    /** The jobs of the sweep seen so far. */
    int jobs() {
        return (int) runs.values().stream().filter(r -> r.job != null).count();
    }

    int started() {
        return (int) runs.values().stream()
                .filter(r -> r.job != null && (r.started || r.finished != null))
                .count();
    }

    int finished() {
        return (int) runs.values().stream()
                .filter(r -> r.job != null && r.finished != null)
                .count();
    }

    /** Runs whose val accuracy reached their config's valThreshold. */
    int grokked() {
        return (int) runs.values().stream()
                .filter(r -> r.job != null && r.valReached >= 0)
                .count();
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Every job has a run_finished, or the sweep was cancelled and nothing runs any more. */
    boolean done(int expectedJobs) {
        int jobs = jobs();
        if (jobs == 0 || jobs < expectedJobs) return false;
        if (cancelled) return started() == finished();
        return finished() == jobs;
    }

    /** The runs of the sweep that have a job, in run id order. */
    List<RunState> runs() {
        return runs.values().stream().filter(r -> r.job != null).toList();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }

    private boolean assign() {
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : TOPICS) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) return false;
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        assigned = true;
        return true;
    }

    private void read(ConsumerRecord<String, byte[]> r) {
        String key = r.key();
        boolean control = r.topic().equals(Topics.CONTROL);
        if (key == null || !(control ? key.equals(sweep) : SweepPlan.inSweep(sweep, key))) return;
        Event e;
        try {
            e = EventCodec.decode(r.value());
        } catch (InvalidEventException bad) {
            return; // the analyzer and the workers send bad records to the DLQ
        }
        if (e instanceof ControlCommand c) {
            if (c.command() == ControlCommand.Command.CANCEL) cancelled = true;
            return;
        }
        RunState s = runs.computeIfAbsent(e.run(), RunState::new);
        if (e instanceof Job j && j.sweep().equals(sweep)) {
            s.job = j;
        } else if (e instanceof RunStarted) {
            s.started = true;
        } else if (e instanceof RunFinished f) {
            s.finished = f;
        } else if (e instanceof StepRecord step) {
            s.steps.put(step.step(), step);
            if (s.valReached < 0 && step.valAcc() >= valThreshold(s)) s.valReached = step.step();
        }
    }

    private static double valThreshold(RunState s) {
        Object v = s.job == null ? null : s.job.config().get("valThreshold");
        return v instanceof Number n ? n.doubleValue() : 0.9;
    }
}
