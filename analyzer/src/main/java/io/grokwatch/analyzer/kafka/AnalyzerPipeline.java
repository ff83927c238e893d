package io.grokwatch.analyzer.kafka;

import io.grokwatch.analyzer.kafka.RunStateStore.RunSlot;
import io.grokwatch.analyzer.policy.PerRunPolicy;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.analyzer.structure.StructureAnalyzer;
import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.DlqRecord;
import io.grokwatch.events.EmbeddingSnapshot;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.RunFinished;
import io.grokwatch.events.RunStarted;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Topics;
import io.grokwatch.events.Transition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One life of the analyzer: a {@link KafkaSource} and a {@link TransactionalPublisher}, joined
 * by the named steps decode, route by run, detect, publish, commit. Each poll batch is one
 * transaction. The pipeline ends with an error on the first failure; the service then builds a
 * new one, which restores per-run state from the changelog (the failed batch's in-memory
 * effects are thrown away with this one).
 */
final class AnalyzerPipeline {
    private final KafkaSource<RestoredState> source;
    private final TransactionalPublisher publisher;
    private final StateChangelog changelog;
    private final RunStateStore store;
    /** The per-run auto-stop policy, null when none or when it is across runs ({@link RunStateStore#sweepPolicy}). */
    private final PerRunPolicy stopPolicy;

    private final SweepPolicy sweepPolicy;
    private final int topK;
    private final AnalyzerStats stats;
    private final Consumer<Event> listener;
    private final Scheduler worker;
    private final Clock clock;
    private final ChunkRunner chunks;

    /** Below this many records per thread, splitting a batch costs more than it saves. */
    private static final int MIN_RECORDS_PER_CHUNK = 1000;

    AnalyzerPipeline(
            KafkaSource<RestoredState> source,
            TransactionalPublisher publisher,
            StateChangelog changelog,
            RunStateStore store,
            ReplayPolicy stopPolicy,
            int topK,
            AnalyzerStats stats,
            Consumer<Event> listener,
            Scheduler worker,
            Clock clock,
            ChunkRunner chunks) {
        this.source = source;
        this.publisher = publisher;
        this.changelog = changelog;
        this.store = store;
        this.stopPolicy = store.perRunPolicy();
        this.sweepPolicy = store.sweepPolicy();
        this.topK = topK;
        this.stats = stats;
        this.listener = listener;
        this.worker = worker;
        this.clock = clock;
        this.chunks = chunks;
    }

    /**
     * Runs until cancelled or failed; emits the counts of each committed batch. Signals are
     * handled one at a time on the worker thread, which owns the per-run state and the producer;
     * the next is requested only when the previous is done (prefetch 0), so what arrives while a
     * batch is being committed is handed over as one next batch, in one transaction.
     *
     * <p>The worker is the thread the blocking steps are for: each signal is subscribed on it here,
     * once, so a batch's steps all run there, back to back, with no hop between them. A hop per step
     * would let {@link AnalyzerService#close}, queued on the same thread, cancel a batch between
     * publish and commit; this way it runs between batches.
     */
    Flux<AnalyzerStats.BatchCounts> run() {
        return source.receive()
                .concatMap(signal -> Mono.defer(() -> handle(signal)).subscribeOn(worker), 0);
    }

    private Mono<AnalyzerStats.BatchCounts> handle(SourceSignal<RestoredState> signal) {
        if (signal instanceof SourceSignal.Revoked<RestoredState> revoked) {
            store.drop(partitionNumbers(revoked.partitions()));
            return Mono.empty();
        }
        if (signal instanceof SourceSignal.Assigned<RestoredState> assigned) {
            store.install(assigned.restored());
            return Mono.empty();
        }
        SourceSignal.Batch<RestoredState> batch = (SourceSignal.Batch<RestoredState>) signal;
        if (!source.begin(batch)) { // polled before a rebalance that rewound its partitions
            source.finished(batch);
            return Mono.empty();
        }
        return process(batch).doFinally(s -> source.finished(batch));
    }

    /** One poll batch, one transaction; the steps that block are {@link #blocking} steps. */
    private Mono<AnalyzerStats.BatchCounts> process(SourceSignal.Batch<RestoredState> batch) {
        return blocking(() -> decode(batch))
                .map(decoded -> routeByRun(decoded, batch))
                .flatMap(routed -> blocking(() -> detect(routed)))
                .flatMap(detected -> blocking(() -> publish(detected)))
                .flatMap(published -> blocking(() -> commit(batch, published)))
                .doOnNext(this::report)
                .map(Committed::counts)
                .onErrorResume(e -> blocking(publisher::abortQuietly).then(Mono.error(e)));
    }

    /**
     * A step that blocks the calling thread: it waits for the {@link ChunkRunner}'s helper threads
     * or for the broker (sends, commit, abort). It runs where the batch was subscribed, the worker
     * ({@link #run}), which exists to wait like this; no event loop or poll thread waits with it.
     */
    private static <T> Mono<T> blocking(Callable<T> step) {
        return Mono.fromCallable(step);
    }

    private static Mono<Void> blocking(Runnable step) {
        return Mono.fromRunnable(step);
    }

    // ------------------------------------------------------------------ step: decode

    /** Every record decoded and validated; bad ones become DLQ records, never exceptions. Blocks: waits for the chunks. */
    private List<Decoded> decode(SourceSignal.Batch<RestoredState> batch) {
        long now = clock.millis();
        List<ConsumerRecord<String, byte[]>> records = batch.records();
        Decoded[] out = new Decoded[records.size()];
        chunks.forEach(out.length, MIN_RECORDS_PER_CHUNK, i -> out[i] = Decoded.of(records.get(i), now));
        return Arrays.asList(out);
    }

    // ------------------------------------------------------------------ step: route by run

    /** The inputs of one run in this batch, in offset order. */
    private record RunInputs(int partition, String run, List<Decoded.Input> inputs) {}

    /**
     * A batch split by run; a run's inputs keep their order, runs are independent.
     *
     * @param metricsCaughtUp partitions of grokwatch.metrics this batch reads to the end
     */
    private record Routed(List<RunInputs> runs, List<DlqRecord> bad, int recordsIn, Set<Integer> metricsCaughtUp) {}

    private Routed routeByRun(List<Decoded> decoded, SourceSignal.Batch<RestoredState> batch) {
        // Keyed by partition, then run: a run id seen on two partitions would be two runs' state.
        Map<Integer, Map<String, RunInputs>> byPartition = new LinkedHashMap<>();
        List<RunInputs> runs = new ArrayList<>();
        List<DlqRecord> bad = new ArrayList<>();
        for (Decoded d : decoded) {
            if (d instanceof Decoded.Bad b) {
                bad.add(b.dlq());
                continue;
            }
            if (d instanceof Decoded.Checked) continue; // a good control command: nothing for a detector
            Decoded.Input in = (Decoded.Input) d;
            String run = in.event().run();
            RunInputs inputs = byPartition
                    .computeIfAbsent(in.partition(), p -> new HashMap<>())
                    .get(run);
            if (inputs == null) {
                inputs = new RunInputs(in.partition(), run, new ArrayList<>());
                byPartition.get(in.partition()).put(run, inputs);
                runs.add(inputs);
            }
            // A poll can hand over a run's steps before its run_started (another topic); its budget and sweep
            // hold from the run's start, so within a batch it goes first.
            if (in.event() instanceof RunStarted) {
                inputs.inputs().add(0, in);
            } else {
                inputs.inputs().add(in);
            }
        }
        Set<Integer> caughtUp = new LinkedHashSet<>();
        for (TopicPartition tp : batch.caughtUp()) {
            if (tp.topic().equals(Topics.METRICS)) caughtUp.add(tp.partition());
        }
        return new Routed(runs, bad, decoded.size(), caughtUp);
    }

    // ------------------------------------------------------------------ step: detect

    /** What one batch produced, before anything was written. */
    private record Detected(
            List<Event> events,
            List<ControlCommand> controls,
            List<DlqRecord> dlq,
            List<RunSlot> touched,
            int recordsIn) {}

    /** What one run's inputs in a batch produced; filled by whichever thread detects that run. */
    private static final class RunOutput {
        final List<Event> events = new ArrayList<>(2);
        List<ControlCommand> controls = List.of();
        List<DlqRecord> dlq = List.of();
        /** lastStep of the newest run_finished among the inputs, null when none. */
        Long finishedAt;
        /** For an across-run policy: the run's run_started and evaluations, fed to it after the batch's runs join. */
        RunStarted started;

        List<StepRecord> sweepSteps = List.of();
    }

    /**
     * Feeds each run's inputs to its detector. Runs are independent, so a big batch's runs are
     * split over the {@link ChunkRunner}'s threads; the outputs are then joined in run order, the
     * same order a single thread would give. Blocks: waits for the chunks.
     */
    private Detected detect(Routed routed) {
        long now = clock.millis();
        List<RunInputs> runs = routed.runs();
        RunSlot[] slots = new RunSlot[runs.size()];
        for (int i = 0; i < slots.length; i++)
            slots[i] = store.slot(runs.get(i).partition(), runs.get(i).run());
        RunOutput[] outputs = new RunOutput[slots.length];
        int minRuns = Math.max(1, MIN_RECORDS_PER_CHUNK * slots.length / Math.max(1, routed.recordsIn()));
        chunks.forEach(slots.length, minRuns, i -> outputs[i] = detectRun(slots[i], runs.get(i), now));

        List<Event> events = new ArrayList<>();
        List<ControlCommand> controls = new ArrayList<>();
        List<DlqRecord> dlq = new ArrayList<>(routed.bad());
        List<RunSlot> touched = new ArrayList<>(slots.length);
        for (int i = 0; i < slots.length; i++) {
            RunOutput out = outputs[i];
            events.addAll(out.events);
            controls.addAll(out.controls);
            dlq.addAll(out.dlq);
            if (out.finishedAt != null) store.finishAt(slots[i], out.finishedAt);
            touched.add(slots[i]);
            if (sweepPolicy != null) {
                if (out.started != null) sweepPolicy.started(slots[i], out.started);
                for (StepRecord step : out.sweepSteps) sweepPolicy.observe(slots[i], step);
            }
        }
        finishEndedRuns(routed.metricsCaughtUp(), touched, now, events);
        if (sweepPolicy != null) controls.addAll(sweepStops(touched, now, events));
        return new Detected(events, controls, dlq, touched, routed.recordsIn());
    }

    /** One run's inputs through its detector; touches nothing but the run's own slot. */
    private RunOutput detectRun(RunSlot slot, RunInputs run, long now) {
        RunOutput out = new RunOutput();
        for (Decoded.Input in : run.inputs()) {
            if (in.event() instanceof StepRecord step) {
                out.events.addAll(slot.detector.accept(step, now));
                forecast(slot, step, now).ifPresent(out.events::add);
                slot.lastValAcc = step.valAcc();
                autoStop(slot, step, now).ifPresent(c -> {
                    out.controls = List.of(c);
                    out.events.add(stopAlert(slot, step.step(), c));
                });
                if (sweepPolicy != null) {
                    if (out.sweepSteps.isEmpty()) out.sweepSteps = new ArrayList<>();
                    out.sweepSteps.add(step);
                }
            } else if (in.event() instanceof RunStarted started) {
                slot.budget = started.budget();
                if (sweepPolicy != null) out.started = started;
                if (slot.stopper != null && slot.budget != null) slot.stopper.budget(slot.budget);
            } else if (in.event() instanceof RunFinished finished) {
                out.finishedAt = finished.lastStep();
            } else {
                EmbeddingSnapshot snapshot = (EmbeddingSnapshot) in.event();
                StructureAnalysis analysis;
                try {
                    analysis = StructureAnalyzer.analyze(snapshot, topK, now);
                } catch (RuntimeException e) { // a snapshot that decodes but cannot be analyzed
                    if (out.dlq.isEmpty()) out.dlq = new ArrayList<>(1);
                    out.dlq.add(new DlqRecord(
                            snapshot.run(),
                            in.source().topic(),
                            in.source().partition(),
                            in.source().offset(),
                            snapshot.toString(),
                            "structure analysis failed: " + e.getMessage(),
                            now));
                    continue;
                }
                out.events.add(analysis);
                out.events.addAll(slot.detector.accept(analysis, now));
            }
        }
        return out;
    }

    /**
     * Finishes the runs whose run_finished has arrived, once their step records are all in: a step
     * at or past run_finished's lastStep was accepted, or the run's metrics partition has been read
     * to its end (run_finished travels on another topic, so it can overtake the last steps).
     * {@link io.grokwatch.analyzer.detect.RunDetector#finish} then smooths the last evaluations,
     * which may complete a transition.
     */
    private void finishEndedRuns(Set<Integer> metricsCaughtUp, List<RunSlot> touched, long now, List<Event> events) {
        for (RunSlot slot : store.finishing()) {
            if (slot.detector.lastStep() < slot.finishAt && !metricsCaughtUp.contains(slot.partition)) continue;
            events.addAll(slot.detector.finish(now));
            store.finishAt(slot, null);
            if (sweepPolicy != null) sweepPolicy.ended(slot);
            if (!touched.contains(slot)) touched.add(slot);
        }
    }

    /**
     * The forecast of t_val after this step: at every evaluation while the run is memorized or generalizing and has
     * not reached t_val (the forecaster ignores a repeated or late step, as the detector does).
     */
    private Optional<Forecast> forecast(RunSlot slot, StepRecord step, long now) {
        slot.forecaster.observe(step.step(), step.valLoss());
        Phase phase = slot.detector.phase();
        if (phase != Phase.MEMORIZED && phase != Phase.GENERALIZING) return Optional.empty();
        return Optional.ofNullable(slot.forecaster.forecast(step.run(), step.step(), now, slot.budget));
    }

    /**
     * A STOP for the run when the policy says so, once per run (remembered in the changelog). The policy sees each
     * step once, in increasing order, as in replay; its state is made at the run's first step, with the budget when
     * a run_started came first (later, {@link io.grokwatch.analyzer.policy.RunStopper#budget} hands it on).
     */
    private Optional<ControlCommand> autoStop(RunSlot slot, StepRecord step, long now) {
        if (stopPolicy == null || slot.stopSent || step.step() <= slot.stopperLastStep) return Optional.empty();
        if (slot.stopper == null)
            slot.stopper = slot.budget == null ? stopPolicy.newRun() : stopPolicy.newRun(slot.budget);
        slot.stopperLastStep = step.step();
        return slot.stopper.observe(slot.detector.summary(), step).map(stop -> {
            slot.stopSent = true;
            return new ControlCommand(
                    step.run(), step.run() + "/auto-stop", ControlCommand.Command.STOP, now, stop.reason());
        });
    }

    /**
     * The across-run policy's stops after this batch: each sweep it touched goes to the policy up to its frontier
     * (the step all its going runs have reached), so every run of a sweep is decided as in a replay. A stopped run's
     * slot is touched: its state changed.
     */
    private List<ControlCommand> sweepStops(List<RunSlot> touched, long now, List<Event> events) {
        List<ControlCommand> out = new ArrayList<>();
        for (SweepPolicy.Decided d : sweepPolicy.release()) {
            RunSlot slot = d.slot();
            if (slot == null || slot.stopSent) continue;
            slot.stopSent = true;
            String run = slot.detector.run();
            ControlCommand stop = new ControlCommand(
                    run,
                    run + "/auto-stop",
                    ControlCommand.Command.STOP,
                    now,
                    d.stop().reason());
            out.add(stop);
            events.add(stopAlert(slot, d.stop().step(), stop));
            if (!touched.contains(slot)) touched.add(slot);
        }
        return out;
    }

    /** The stop on grokwatch.events too, as an AUTO_STOPPED alert with the policy's reason, for the bridge and people. */
    private static Alert stopAlert(RunSlot slot, long step, ControlCommand stop) {
        return new Alert(
                stop.run(),
                AlertKind.AUTO_STOPPED,
                step,
                slot.detector.lastStep(),
                stop.time(),
                slot.lastValAcc,
                stop.reason());
    }

    // ------------------------------------------------------------------ step: publish

    /** Sends the batch's outputs and the touched runs' state inside a new transaction. May block in send(). */
    private Detected publish(Detected d) {
        List<ProducerRecord<String, byte[]>> records =
                new ArrayList<>(d.events().size()
                        + d.controls().size()
                        + d.dlq().size()
                        + d.touched().size());
        for (Event e : d.events()) records.add(record(Topics.EVENTS, e));
        for (ControlCommand c : d.controls()) records.add(record(Topics.CONTROL, c));
        for (DlqRecord r : d.dlq()) records.add(record(Topics.DLQ, r));
        for (RunSlot s : d.touched())
            records.add(changelog.record(
                    s.partition, s.detector.state(), s.stopSent, s.finishAt, s.forecastState(), store.policyState(s)));
        publisher.publish(records);
        return d;
    }

    private static ProducerRecord<String, byte[]> record(String topic, Event e) {
        return new ProducerRecord<>(topic, e.run(), EventCodec.encode(e));
    }

    // ------------------------------------------------------------------ step: commit

    /** A committed batch: what it wrote and its counts. */
    private record Committed(Detected detected, AnalyzerStats.BatchCounts counts) {}

    /** Adds the input offsets to the transaction and commits it: outputs, state and offsets at once. Blocks until committed. */
    private Committed commit(SourceSignal.Batch<RestoredState> batch, Detected d) {
        publisher.commit(batch.nextOffsets(), batch.group());
        long transitions =
                d.events().stream().filter(e -> e instanceof Transition).count();
        long alerts = d.events().stream().filter(e -> e instanceof Alert).count();
        long structures =
                d.events().stream().filter(e -> e instanceof StructureAnalysis).count();
        return new Committed(
                d,
                new AnalyzerStats.BatchCounts(
                        d.recordsIn(),
                        d.events().size() + d.controls().size(),
                        d.dlq().size(),
                        transitions,
                        alerts,
                        structures,
                        d.controls().size()));
    }

    // ------------------------------------------------------------------ edge: report

    /** Counts and tells the listener what was committed; nothing here runs for an aborted batch. */
    private void report(Committed c) {
        stats.committed(c.counts());
        if (listener == null) return;
        c.detected().events().forEach(listener);
        c.detected().controls().forEach(listener);
        c.detected().dlq().forEach(listener);
    }

    private static Set<Integer> partitionNumbers(Set<TopicPartition> partitions) {
        Set<Integer> out = new LinkedHashSet<>();
        for (TopicPartition tp : partitions) out.add(tp.partition());
        return out;
    }
}
