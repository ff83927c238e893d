package io.grokwatch.cli.train;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.trainer.publish.ControlListener;
import io.grokwatch.trainer.publish.EventPublisher;
import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.publish.NoKafka;
import io.grokwatch.trainer.publish.PublishStats;
import io.grokwatch.trainer.publish.PublishingListener;
import io.grokwatch.trainer.publish.RunPublisher;
import io.grokwatch.trainer.train.BatchTrainer;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.TrainConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Several runs of one shape trained together by a {@link BatchTrainer}, each published and controlled as a
 * {@link TrainingSession} does for one run: its own run_started, steps, snapshots and run_finished, its own STOP.
 * One Kafka producer carries them all. Batched runs write no checkpoints: a run handed over restarts at step 0.
 */
public final class BatchSession {
    private static final Duration CLOSE_TIMEOUT = EventPublisher.DEFAULT_CLOSE_TIMEOUT;

    private final List<Member> members;
    private final Properties kafka;
    private final BatchTrainer trainer;
    private final List<RunListener> listeners = new ArrayList<>();

    /** One run of the batch: its config, run id, the keys run_started adds, where its lines and steps go. */
    public record Member(
            TrainConfig cfg, String run, Map<String, Object> extraConfig, Progress progress, JsonlStepWriter metrics) {
        public Member {
            Objects.requireNonNull(cfg, "cfg");
            Objects.requireNonNull(run, "run");
            extraConfig = Map.copyOf(extraConfig);
            Objects.requireNonNull(progress, "progress");
        }
    }

    /**
     * Builds the batch; IllegalArgumentException when a member cannot join it ({@link BatchTrainer#cannotBatch}).
     *
     * @param kafka client settings, or null to publish nothing
     */
    public BatchSession(List<Member> members, Properties kafka, int threads) {
        this.members = List.copyOf(members);
        this.kafka = kafka;
        List<TrainConfig> cfgs = new ArrayList<>();
        List<StepListener> ls = new ArrayList<>();
        for (Member m : this.members) {
            RunListener l = new RunListener(m.progress());
            listeners.add(l);
            cfgs.add(m.cfg());
            ls.add(l);
        }
        this.trainer = new BatchTrainer(cfgs, ls, threads);
    }

    public int size() {
        return members.size();
    }

    /** Ends member i's run after its current step; its run_finished says STOPPED with the command. */
    public void stop(int i, ControlCommand cmd) {
        RunListener l = listeners.get(i);
        l.stopCommand = cmd;
        PublishingListener p = l.publishing;
        if (p != null) p.stopRequestedBy(cmd);
        trainer.stopRequested(i).set(true);
    }

    /** Ends member i's run without run_finished: another worker runs it again (from step 0: no checkpoints). */
    public void handOver(int i) {
        RunListener l = listeners.get(i);
        if (l.outcome != null) return;
        l.suppressFinish = true;
        trainer.stopRequested(i).set(true);
    }

    /** Publishes each run_started, trains every member to its end, closes the outputs; one result per member. */
    public List<TrainingSession.Result> run() {
        EventPublisher kafkaOut = NoKafka.INSTANCE;
        List<ControlListener> controls = new ArrayList<>();
        long startMillis = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        PublishStats kafkaStats = null;
        List<PublishStats> fileStats = new ArrayList<>();
        try {
            if (kafka != null) {
                kafkaOut = RunPublisher.builder()
                        .kafkaProperties(kafka)
                        .warnings(members.get(0).progress()::println)
                        .start();
            }
            for (int i = 0; i < members.size(); i++) {
                Member m = members.get(i);
                List<EventPublisher> publishers = new ArrayList<>();
                if (m.metrics() != null) publishers.add(m.metrics());
                publishers.add(kafkaOut);
                listeners.get(i).publishing = new PublishingListener(
                        m.run(),
                        RunDescription.taskId(m.cfg()),
                        RunDescription.modulus(m.cfg()),
                        publishers,
                        m.progress()::println);
                Map<String, Object> extra = new java.util.LinkedHashMap<>(m.extraConfig());
                extra.put("batchedWith", members.size() - 1);
                kafkaOut.publish(RunDescription.runStarted(
                        m.run(), startMillis, m.cfg(), trainer.task(i).splitHash(), extra));
                if (kafka != null) controls.add(followControl(i, startMillis));
            }
            try {
                trainer.run();
            } catch (RuntimeException e) {
                for (RunListener l : listeners) l.failed(e);
                throw e;
            } finally {
                members.forEach(m -> m.progress().finish());
            }
        } finally {
            controls.forEach(ControlListener::close);
            if (kafka != null) kafkaStats = kafkaOut.close(CLOSE_TIMEOUT);
            for (Member m : members)
                fileStats.add(m.metrics() == null ? null : m.metrics().close(CLOSE_TIMEOUT));
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        List<TrainingSession.Result> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            RunListener l = listeners.get(i);
            out.add(new TrainingSession.Result(
                    members.get(i).run(),
                    members.get(i).cfg(),
                    l.outcome,
                    seconds,
                    0,
                    kafkaStats,
                    fileStats.get(i),
                    null,
                    l.finishSuppressed));
        }
        return out;
    }

    private ControlListener followControl(int i, long since) {
        Member m = members.get(i);
        return TrainingSession.followControl(
                kafka,
                m.run(),
                since,
                m.progress(),
                cmd -> stop(i, cmd),
                cmd -> m.progress()
                        .println("grokwatch: CHECKPOINT command " + cmd.id()
                                + " ignored: batched runs have no checkpoints"));
    }
}
