package io.grokwatch.cli.demo;

import io.grokwatch.cli.train.RunDescription;
import io.grokwatch.trainer.publish.EventPublisher;
import io.grokwatch.trainer.publish.PublishingListener;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * One training run on its own thread, publishing run_started, then (through the trainer's
 * {@link PublishingListener}) every evaluated step, embedding snapshots and run_finished, and
 * feeding the live view. The trainer (and with it ND4J, which
 * takes seconds to load) is built as soon as the run is prepared, while the services start;
 * training begins at {@link #start}. The config's own rule ends it after grokking
 * ({@code stopAfterGrokSteps}), as it ends a {@code grokwatch train} run.
 */
public final class TrainingRun implements AutoCloseable {
    private final TrainConfig config;
    private final String run;
    private final Thread thread;
    private final CountDownLatch go = new CountDownLatch(1);
    private final CompletableFuture<Trainer> built = new CompletableFuture<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private volatile EventPublisher publisher;
    private volatile PublishingListener publishing;
    private volatile LiveView view;
    private volatile boolean cancelled;

    private TrainingRun(TrainConfig config, String run, Integer threads) {
        this.config = config;
        this.run = run;
        this.thread = new Thread(() -> body(threads), "grokwatch-demo-trainer");
        this.thread.setDaemon(true);
    }

    /** Builds the trainer in the background; nothing is published before {@link #start}. */
    public static TrainingRun prepare(TrainConfig config, String run, Integer threads) {
        TrainingRun r = new TrainingRun(config, run, threads);
        r.thread.start();
        return r;
    }

    /** Waits until the trainer is built (ND4J loaded, task split); rethrows what failed. */
    public void awaitBuilt() throws Exception {
        try {
            built.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    /** Publishes run_started and starts training; returns at once. */
    public void start(EventPublisher publisher, LiveView view) {
        this.publisher = publisher;
        this.publishing = new PublishingListener(
                run, RunDescription.taskId(config), RunDescription.modulus(config), List.of(publisher), view::println);
        this.view = view;
        go.countDown();
    }

    /** Completes when training ends, however it ends. */
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** Stops training at the next step. */
    public void stop() {
        built.thenAccept(t -> t.stopRequested().set(true));
    }

    public String run() {
        return run;
    }

    public TrainConfig config() {
        return config;
    }

    /** @param threads null for the trainer's defaults */
    private void body(Integer threads) {
        try {
            Trainer trainer = threads != null
                    ? new Trainer(config, new Listener(), threads)
                    : new Trainer(config, new Listener());
            built.complete(trainer);
            go.await();
            if (cancelled) {
                outcome.cancel(false);
                return;
            }
            publisher.publish(RunDescription.runStarted(run, System.currentTimeMillis(), config, trainer, Map.of()));
            outcome.complete(trainer.run());
        } catch (Throwable e) {
            built.completeExceptionally(e);
            outcome.completeExceptionally(e);
        }
    }

    /** Stops the thread if training never started; otherwise asks training to stop. */
    @Override
    public void close() {
        cancelled = true;
        stop();
        go.countDown();
    }

    /** Feeds the trainer's callbacks to the publishing listener and the view. */
    private final class Listener implements StepListener {
        @Override
        public void onStep(StepMetrics m) {
            publishing.onStep(m);
            view.step(m.step(), m.trainAcc(), m.valAcc(), m.stepsPerSecond());
        }

        @Override
        public void onSnapshot(long step, float[][] embedding) {
            publishing.onSnapshot(step, embedding);
        }

        @Override
        public void onFinish(Outcome o) {
            publishing.onFinish(o);
        }
    }
}
