package io.grokwatch.cli;

import io.grokwatch.events.ControlCommand;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunStarted;
import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.checkpoint.CheckpointDirectory;
import io.grokwatch.trainer.checkpoint.CheckpointFile;
import io.grokwatch.trainer.checkpoint.CheckpointMismatchException;
import io.grokwatch.trainer.checkpoint.Checkpointer;
import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import io.grokwatch.trainer.checkpoint.TrainerState;
import io.grokwatch.trainer.model.Loss;
import io.grokwatch.trainer.publish.ControlListener;
import io.grokwatch.trainer.publish.EventPublisher;
import io.grokwatch.trainer.publish.JsonlStepWriter;
import io.grokwatch.trainer.publish.NoKafka;
import io.grokwatch.trainer.publish.PublishStats;
import io.grokwatch.trainer.publish.PublishingListener;
import io.grokwatch.trainer.publish.RunPublisher;
import io.grokwatch.trainer.task.Op;
import io.grokwatch.trainer.task.Task;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.Outcome;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.StepListener;
import io.grokwatch.trainer.train.StepMetrics;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code grokwatch train}: one training run, published to Kafka (or a .jsonl file), with checkpoints and
 * a progress line.
 *
 * <pre>
 * grokwatch train --preset simple-grokking --steps 6000 --metrics-out run.jsonl
 * grokwatch train --preset nanda --checkpoint-dir ckpt/nanda --checkpoint-every 1000
 * grokwatch train --resume ckpt/nanda --steps 30000
 * </pre>
 */
@Command(name = "train",
    description = {
        "Trains one run of a preset (--preset), changed by the flags given, and "
            + "publishes run_started, every evaluated step, embedding snapshots and run_finished to Kafka, keyed by "
            + "the run id. Follows grokwatch.control: STOP ends the run, CHECKPOINT writes a checkpoint.",
        "Training never waits for Kafka: a broker that is down is reported once and the run goes on. "
            + "Progress goes to stderr, the summary to stdout. Exit 0 when the run completed, grokked or was stopped, "
            + "1 when it diverged or failed, 2 on a usage error.",
        "With --resume the run continues from a checkpoint exactly, under the checkpoint's run id and config; "
            + "flags may change only the step budget, evaluation, snapshots and stopping."})
public final class TrainCommand implements Callable<Integer> {
  static final String DEFAULT_PRESET = "simple-grokking";
  private static final Duration CLOSE_TIMEOUT = EventPublisher.DEFAULT_CLOSE_TIMEOUT;
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  // ---------------------------------------------------------------- what to run

  @Option(names = "--preset", paramLabel = "NAME", completionCandidates = PresetNames.class,
      description = "Published setup to start from: ${COMPLETION-CANDIDATES} (default " + DEFAULT_PRESET
          + "; with --resume, the checkpoint's config).")
  String preset;

  @Option(names = "--run", paramLabel = "ID",
      description = "Run id (default: the preset name and the time, e.g. simple-grokking-20250101-120000; "
          + "with --resume, the checkpoint's).")
  String runId;

  // ---------------------------------------------------------------- task

  @Option(names = {"--op", "--task"}, paramLabel = "OP",
      description = "Operation: add, sub, mul, div, squares, quadratic, cubic, s5 (or x+y, x-y, x*y, x/y, ...).")
  String op;

  @Option(names = "--p", paramLabel = "P", description = "Prime modulus.")
  Integer p;

  @Option(names = "--train-fraction", paramLabel = "F", description = "Share of all pairs in the training set, in (0, 1).")
  Double trainFraction;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the split, the initialization and the minibatches.")
  Long seed;

  // ---------------------------------------------------------------- model

  @Option(names = "--model", paramLabel = "KIND", description = "mlp or transformer.")
  String model;

  @Option(names = "--embed-dim", paramLabel = "D", description = "MLP: token embedding width.")
  Integer embedDim;

  @Option(names = "--hidden", paramLabel = "H[,H...]", split = ",", description = "MLP: hidden layer widths, e.g. 128 or 256,128.")
  List<Integer> hidden;

  @Option(names = "--layers", paramLabel = "N", description = "Transformer: number of layers.")
  Integer layers;

  @Option(names = "--d-model", paramLabel = "D", description = "Transformer: residual width.")
  Integer dModel;

  @Option(names = "--heads", paramLabel = "N", description = "Transformer: attention heads (must divide --d-model).")
  Integer heads;

  @Option(names = "--d-mlp", paramLabel = "D", description = "Transformer: MLP width.")
  Integer dMlp;

  @Option(names = "--layer-norm", negatable = true, description = "Transformer: LayerNorm before each block (--no-layer-norm: none).")
  Boolean layerNorm;

  // ---------------------------------------------------------------- optimizer

  @Option(names = "--optimizer", paramLabel = "KIND", description = "adamw (decoupled weight decay), adam (weight decay as an L2 gradient term, as torch.optim.Adam) or sgd.")
  String optimizer;

  @Option(names = "--lr", paramLabel = "LR", description = "Learning rate.")
  Double lr;

  @Option(names = "--beta1", paramLabel = "B", description = "Adam(W) beta1.")
  Double beta1;

  @Option(names = "--beta2", paramLabel = "B", description = "Adam(W) beta2.")
  Double beta2;

  @Option(names = "--eps", paramLabel = "E", description = "Adam(W) epsilon.")
  Double eps;

  @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (adamw: decoupled; adam and sgd: L2).")
  Double weightDecay;

  @Option(names = {"--warmup", "--warmup-steps"}, paramLabel = "N", description = "Linear learning-rate warmup steps.")
  Integer warmup;

  @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum.")
  Double momentum;

  // ---------------------------------------------------------------- loop

  @Option(names = "--steps", paramLabel = "N", description = "Step budget (the run's total, also when resuming).")
  Long steps;

  @Option(names = "--batch-size", paramLabel = "N", description = "Minibatch size; 0 = full batch.")
  Integer batchSize;

  @Option(names = "--eval-every", paramLabel = "N", description = "Evaluate (and publish a step) every N steps.")
  Integer evalEvery;

  @Option(names = "--snapshot-every", paramLabel = "N", description = "Publish the token embeddings every N steps; 0 = never.")
  Integer snapshotEvery;

  @Option(names = "--loss", paramLabel = "KIND", description = "ce (softmax cross-entropy) or stablemax.")
  String loss;

  // ---------------------------------------------------------------- gradient filters

  @Option(names = "--grokfast", paramLabel = "KIND", description = "Grokfast gradient filter: ema, ma or none.")
  String grokfast;

  @Option(names = "--grokfast-alpha", paramLabel = "A", description = "Grokfast-EMA decay (paper: 0.98).")
  Double grokfastAlpha;

  @Option(names = "--grokfast-lambda", paramLabel = "L", description = "Grokfast amplification (paper: 2 for EMA, 5 for MA).")
  Double grokfastLambda;

  @Option(names = "--grokfast-window", paramLabel = "N", description = "Grokfast-MA window (paper: 100).")
  Integer grokfastWindow;

  @Option(names = "--ortho-grad", negatable = true, description = "Apply the ⊥Grad filter (Prieto et al. 2025).")
  Boolean orthoGrad;

  // ---------------------------------------------------------------- stopping

  @Option(names = "--stop-after-grok", paramLabel = "N",
      description = "Stop N steps after validation accuracy first reaches --stop-accuracy (0: at once).")
  Long stopAfterGrok;

  @Option(names = "--stop-accuracy", paramLabel = "A", description = "Validation accuracy that counts as grokked for --stop-after-grok.")
  Double stopAccuracy;

  @Option(names = "--val-threshold", paramLabel = "A", description = "Accuracy that defines t_train and t_val (Liu et al.: 0.9).")
  Double valThreshold;

  // ---------------------------------------------------------------- outputs

  @Option(names = "--metrics-out", paramLabel = "FILE.jsonl",
      description = "Also write every step record to this file, one JSON line each (appended when resuming).")
  Path metricsOut;

  @Option(names = "--no-kafka", description = "Publish nothing to Kafka and follow no control commands.")
  boolean noKafka;

  // ---------------------------------------------------------------- checkpoints

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "Write checkpoints (step-NNNNNNNNNN.ckpt) here: every --checkpoint-every steps, on a CHECKPOINT "
          + "command and at the end. One directory per run. Default with --resume: the checkpoint's directory.")
  Path checkpointDir;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "1000",
      description = "Steps between checkpoints; 0 = only at the end and on request.")
  long checkpointEvery;

  @Option(names = "--checkpoint-keep", paramLabel = "K", defaultValue = "3", description = "Checkpoints kept in the directory, newest first.")
  int checkpointKeep;

  @Option(names = "--resume", paramLabel = "PATH",
      description = "Continue from a checkpoint file, or the latest checkpoint in a directory.")
  Path resume;

  // ---------------------------------------------------------------- runtime

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads: an MLP splits each large batch over them, ND4J single-threaded (default: all cores); a "
          + "transformer gives them to ND4J (default 1). Defaults come from grokwatch.threads / GROKWATCH_THREADS when set; "
          + "with --resume, the checkpoint's count, which continues the run bit for bit.")
  Integer threads;

  @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "5",
      description = "When stderr is not a terminal, print a progress line at most this often (0: every evaluated step).")
  double progressInterval;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KafkaClientLogs.quietConnectionRetries();
    validateRuntimeFlags();
    Checkpoint from = readResumeCheckpoint();
    TrainConfig cfg = trainConfig(from);
    long stopAfterGrokSteps = stopAfterGrok == null ? -1 : stopAfterGrok;
    String run = runId != null ? runId : from != null ? from.run() : newRunId(cfg.name());
    Path ckptDir = checkpointDir != null ? checkpointDir : resume != null ? resumeDirectory() : null;
    requireUsableCheckpointDir(ckptDir, from);

    Progress progress = new Progress(err, System.console() != null, cfg.steps(),
        Duration.ofMillis(Math.round(progressInterval * 1000)));
    RunListener listener = new RunListener(progress, stopAfterGrokSteps, cfg);
    Trainer trainer;
    try {
      Integer n = threads != null ? threads : from != null && from.threads() > 0 ? from.threads() : null;
      trainer = n != null ? new Trainer(cfg, listener, n) : new Trainer(cfg, listener);
    } catch (IllegalArgumentException e) {
      throw usage(flagged(e.getMessage()));
    }
    listener.trainer = trainer;
    if (from != null && from.threads() > 0 && trainer.threads() != from.threads()) {
      // an MLP sums its row shards per thread: another grouping rounds differently from here on
      err.println("grokwatch train: --threads " + trainer.threads() + " differs from the checkpoint's " + from.threads()
          + ": the run continues, but not bit for bit as it would on " + from.threads());
    }
    if (from != null) {
      try {
        TrainerState.restore(trainer, from);
      } catch (CheckpointMismatchException e) {
        throw usage("--resume " + resume + ": " + e.getMessage());
      }
    }
    Checkpointer checkpointer = ckptDir == null ? null : Checkpointer.builder(ckptDir).run(run).every(checkpointEvery)
        .keep(checkpointKeep).messages(progress::println).build();
    if (checkpointer != null) trainer.stepHook(checkpointer);

    List<EventPublisher> publishers = new ArrayList<>();
    JsonlStepWriter metrics = openMetrics(progress);
    EventPublisher kafkaOut = NoKafka.INSTANCE;
    ControlListener control = null;
    Thread shutdownHook = null;
    CountDownLatch done = new CountDownLatch(1);
    long startMillis = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    try {
      if (metrics != null) publishers.add(metrics);
      if (!noKafka) kafkaOut = startPublisher(progress);
      publishers.add(kafkaOut);
      PublishingListener publishing = new PublishingListener(run, taskId(cfg), cfg.op().isGroup() ? 0 : cfg.p(),
          publishers, progress::println);
      listener.publishing = publishing;
      RunStarted started = new RunStarted(run, startMillis, taskId(cfg), cfg.model().name().toLowerCase(Locale.ROOT),
          runConfig(cfg, stopAfterGrokSteps, from), provenance(cfg, trainer));
      kafkaOut.publish(started); // the metrics file holds step records only
      if (!noKafka) control = followControl(run, startMillis, trainer, listener, publishing, checkpointer, progress);
      shutdownHook = onCtrlC(trainer, listener, done);

      out.println("grokwatch train: run " + run + (from != null ? " resumed at step " + from.step() + " from " + resume : "")
          + ": " + describe(cfg));
      out.flush();
      try {
        trainer.run();
      } catch (RuntimeException e) {
        listener.failed(e); // run_finished FAILED with the error, then the command fails with it
        throw e;
      } finally {
        progress.finish();
      }
    } finally {
      if (control != null) control.close();
      PublishStats kafkaStats = noKafka ? null : kafkaOut.close(CLOSE_TIMEOUT);
      PublishStats fileStats = metrics == null ? null : metrics.close(CLOSE_TIMEOUT);
      done.countDown();
      removeHook(shutdownHook);
      if (listener.outcome != null) {
        printSummary(out, run, cfg, listener.outcome, (System.nanoTime() - startNanos) / 1e9,
            from == null ? 0 : from.step(), kafkaStats, fileStats, checkpointer);
      }
    }
    return listener.outcome == null || listener.outcome.status() == Outcome.Status.FAILED ? 1 : 0;
  }

  // ---------------------------------------------------------------- configuration

  private void validateRuntimeFlags() {
    if (threads != null && threads < 1) throw usage("--threads must be >= 1, got " + threads);
    if (!(progressInterval >= 0)) throw usage("--progress-interval must be >= 0 seconds, got " + progressInterval);
    if (checkpointEvery < 0) throw usage("--checkpoint-every must be >= 0, got " + checkpointEvery);
    if (checkpointKeep < 1) throw usage("--checkpoint-keep must be >= 1, got " + checkpointKeep);
    if (stopAfterGrok != null && stopAfterGrok < 0) throw usage("--stop-after-grok must be >= 0 steps, got " + stopAfterGrok);
    if (runId != null && runId.isBlank()) throw usage("--run must not be empty");
    boolean ckptFlags = spec.commandLine().getParseResult().hasMatchedOption("--checkpoint-every")
        || spec.commandLine().getParseResult().hasMatchedOption("--checkpoint-keep");
    if (ckptFlags && checkpointDir == null && resume == null) {
      throw usage("--checkpoint-every and --checkpoint-keep need --checkpoint-dir DIR");
    }
  }

  /** The preset (or the checkpoint's config when resuming without --preset), then every flag given. */
  TrainConfig trainConfig(Checkpoint from) {
    TrainConfig base;
    if (preset == null && from != null) {
      base = from.config();
    } else {
      try {
        base = Presets.get(preset == null ? DEFAULT_PRESET : preset);
      } catch (IllegalArgumentException e) {
        throw usage("--" + e.getMessage().replace("[", "").replace("]", ""));
      }
    }
    TrainConfig.Builder b = base.toBuilder();
    if (op != null) b.op(choice("--op", op, Op::parse));
    if (p != null) b.p(p);
    if (trainFraction != null) b.trainFraction(trainFraction);
    if (seed != null) b.seed(seed);
    if (model != null) b.model(choice("--model", model, TrainConfig.ModelKind.class));
    if (embedDim != null) b.embedDim(embedDim);
    if (hidden != null) b.hidden(hidden);
    if (layers != null) b.layers(layers);
    if (dModel != null) b.dModel(dModel);
    if (heads != null) b.heads(heads);
    if (dMlp != null) b.dMlp(dMlp);
    if (layerNorm != null) b.layerNorm(layerNorm);
    if (optimizer != null) b.optimizer(choice("--optimizer", optimizer, TrainConfig.OptimizerKind.class));
    if (lr != null) b.lr(lr);
    if (beta1 != null || beta2 != null) {
      b.betas(beta1 != null ? beta1 : base.beta1(), beta2 != null ? beta2 : base.beta2());
    }
    if (eps != null) b.eps(eps);
    if (weightDecay != null) b.weightDecay(weightDecay);
    if (warmup != null) b.warmupSteps(warmup);
    if (momentum != null) b.momentum(momentum);
    if (steps != null) b.steps(steps);
    if (batchSize != null) b.batchSize(batchSize);
    if (evalEvery != null) b.evalEvery(evalEvery);
    if (snapshotEvery != null) b.snapshotEvery(snapshotEvery);
    if (loss != null) b.loss(choice("--loss", loss, Loss::parse));
    if (grokfast != null) b.grokfast(choice("--grokfast", grokfast, TrainConfig.Grokfast.class));
    if (grokfastAlpha != null) b.grokfastAlpha(grokfastAlpha);
    if (grokfastLambda != null) b.grokfastLambda(grokfastLambda);
    if (grokfastWindow != null) b.grokfastWindow(grokfastWindow);
    if (orthoGrad != null) b.orthoGrad(orthoGrad);
    if (stopAfterGrok != null) b.stopAfterGrok(stopAfterGrok == 0); // N > 0: this command stops N steps later
    if (stopAccuracy != null) b.stopAccuracy(stopAccuracy);
    if (valThreshold != null) b.valThreshold(valThreshold);
    TrainConfig cfg;
    try {
      cfg = b.build();
      Task.create(cfg.op(), cfg.p(), cfg.trainFraction(), cfg.seed()); // p prime, both sides of the split non-empty
    } catch (IllegalArgumentException e) {
      throw usage(flagged(e.getMessage()));
    }
    return cfg;
  }

  private Checkpoint readResumeCheckpoint() throws IOException {
    if (resume == null) return null;
    Path file;
    try {
      file = CheckpointDirectory.resolve(resume);
    } catch (java.nio.file.NoSuchFileException e) {
      throw usage("--resume " + resume + ": " + e.getReason() + "; pass a checkpoint file or a --checkpoint-dir of an earlier run");
    }
    try {
      return CheckpointFile.read(file);
    } catch (IOException e) {
      throw new IOException("cannot resume: " + e.getMessage() + "; resume from an earlier checkpoint in "
          + file.toAbsolutePath().getParent(), e);
    }
  }

  private Path resumeDirectory() {
    return java.nio.file.Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
  }

  /**
   * A directory must hold one line of history, or a later --resume DIR would pick up the wrong checkpoint: a fresh
   * run needs one without checkpoints, a resumed run one without checkpoints past its starting step.
   */
  private void requireUsableCheckpointDir(Path dir, Checkpoint from) throws IOException {
    if (dir == null) return;
    if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
      throw usage("--checkpoint-dir " + dir + " is a file; pass a directory");
    }
    if (from != null) {
      java.util.Optional<Path> latest = new CheckpointDirectory(dir).latest();
      if (latest.isPresent() && CheckpointDirectory.stepOf(latest.get()) > from.step()) {
        throw usage("--resume " + resume + ": " + dir + " already holds a later checkpoint (" + latest.get().getFileName()
            + "); pass --checkpoint-dir with another directory, or resume from the latest");
      }
      return;
    }
    if (!new CheckpointDirectory(dir).list().isEmpty()) {
      throw usage("--checkpoint-dir " + dir + " already holds checkpoints; pass --resume " + dir
          + " to continue that run, or an empty directory for a new one");
    }
  }

  private JsonlStepWriter openMetrics(Progress progress) {
    if (metricsOut == null) return null;
    try {
      return JsonlStepWriter.builder(metricsOut).append(resume != null).warnings(progress::println).open();
    } catch (IOException e) {
      throw usage("--metrics-out " + metricsOut + ": " + OneLine.describe(e));
    }
  }

  private RunPublisher startPublisher(Progress progress) {
    try {
      return RunPublisher.builder().kafkaProperties(kafka.clientProperties()).warnings(progress::println).start();
    } catch (IllegalArgumentException e) {
      throw usage("Kafka settings (--bootstrap-servers, --kafka-config): " + e.getMessage());
    }
  }

  private ControlListener followControl(String run, long since, Trainer trainer, RunListener listener,
      PublishingListener publishing, Checkpointer checkpointer, Progress progress) {
    return ControlListener.builder().kafkaProperties(kafka.clientProperties()).run(run).since(since)
        .onStop(cmd -> {
          publishing.stopRequestedBy(cmd);
          listener.stopCommand = cmd;
          trainer.stopRequested().set(true);
          progress.println("grokwatch: STOP command " + cmd.id() + (cmd.reason().isEmpty() ? "" : " (" + cmd.reason() + ")")
              + ": stopping after this step");
        })
        .onCheckpoint(cmd -> {
          if (checkpointer == null) {
            progress.println("grokwatch: CHECKPOINT command " + cmd.id() + " ignored: this run has no --checkpoint-dir");
          } else {
            checkpointer.requestNow("CHECKPOINT command " + cmd.id());
          }
        })
        .warnings(progress::println)
        .start();
  }

  /** run_started's config: every TrainConfig field, plus how this command was run where it adds to it. */
  private static Map<String, Object> runConfig(TrainConfig cfg, long stopAfterGrokSteps, Checkpoint from) {
    Map<String, Object> m = new LinkedHashMap<>(TrainConfigJson.toMap(cfg));
    if (stopAfterGrokSteps > 0) m.put("stopAfterGrokSteps", stopAfterGrokSteps);
    if (from != null) {
      m.put("resumedAtStep", from.step());
      m.put("resumedFromRun", from.run());
    }
    return m;
  }

  private static Provenance provenance(TrainConfig cfg, Trainer trainer) {
    Provenance p = Provenance.current(cfg.seed(), trainer.task().splitHash(), Backend.describe());
    String commit = VersionProvider.gitCommit();
    return new Provenance(p.seed(), p.splitHash(), VersionProvider.version(), commit == null ? p.gitCommit() : commit,
        p.jvm(), p.os(), p.cpu(), p.backend(), p.host());
  }

  /** Ctrl-C stops training at the next step, so run_finished, the final checkpoint and the summary still happen. */
  private Thread onCtrlC(Trainer trainer, RunListener listener, CountDownLatch done) {
    Thread hook = new Thread(() -> {
      listener.interrupted = true;
      trainer.stopRequested().set(true);
      try {
        done.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "grokwatch-train-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    if (hook == null) return;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // the hook is running and waits for `done`
    }
  }

  // ---------------------------------------------------------------- output

  private static void printSummary(PrintWriter out, String run, TrainConfig cfg, Outcome o, double seconds, long firstStep,
      PublishStats kafkaStats, PublishStats fileStats, Checkpointer checkpointer) {
    long ran = Math.max(0, o.lastStep() - firstStep);
    out.println(String.format(Locale.ROOT, "run %s %s: %s (%d steps in %.1f s, %.0f steps/s)", run, o.status(), o.reason(),
        ran, seconds, seconds > 0 ? ran / seconds : 0.0));
    StepMetrics m = o.last();
    if (m != null) {
      out.println(String.format(Locale.ROOT, "  step %d: train acc %.4f loss %.4g | val acc %.4f loss %.4g", m.step(),
          m.trainAcc(), m.trainLoss(), m.valAcc(), m.valLoss()));
    }
    out.println(String.format(Locale.ROOT, "  t_train %s, t_val %s (first steps with accuracy >= %s)",
        reached(o.trainReached()), reached(o.valReached()), cfg.valThreshold()));
    out.println(kafkaStats == null ? "  Kafka: off (--no-kafka)" : String.format(Locale.ROOT,
        "  Kafka: %d records published, %d delivered, %d dropped, %d failed", kafkaStats.published(),
        kafkaStats.delivered(), kafkaStats.dropped(), kafkaStats.failed()));
    if (fileStats != null) {
      out.println(String.format(Locale.ROOT, "  metrics file: %d step records written, %d failed", fileStats.delivered(),
          fileStats.failed()));
    }
    if (checkpointer != null) {
      out.println("  checkpoints: " + checkpointer.written() + " written to " + checkpointer.directory().path()
          + (checkpointer.failed() > 0 ? ", " + checkpointer.failed() + " failed" : "")
          + checkpointer.lastWritten().map(f -> "; resume with --resume " + f).orElse(""));
    }
    out.flush();
  }

  private static String reached(long step) {
    return step < 0 ? "not reached" : "step " + step;
  }

  static String describe(TrainConfig c) {
    String shape = c.model() == TrainConfig.ModelKind.MLP
        ? "mlp embed " + c.embedDim() + " hidden " + c.hidden()
        : "transformer " + c.layers() + "x d" + c.dModel() + " h" + c.heads();
    return String.format(Locale.ROOT, "%s, %s mod %d, %.0f%% train, %s, %s lr %s wd %s, %s, %d steps", c.name(),
        c.op().symbol(), c.p(), 100 * c.trainFraction(), shape, c.optimizer().name().toLowerCase(Locale.ROOT), c.lr(),
        c.weightDecay(), c.batchSize() == 0 ? "full batch" : "batch " + c.batchSize(), c.steps());
  }

  private static String taskId(TrainConfig c) {
    return c.op().name().toLowerCase(Locale.ROOT);
  }

  private static String newRunId(String name) {
    return name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
  }

  // ---------------------------------------------------------------- flag helpers

  private static final Pattern FIELD_FIRST = Pattern.compile("^([a-z][A-Za-z0-9]*)(\\s.*)$", Pattern.DOTALL);
  private static final Set<String> FIELDS = TrainConfigJson.toMap(TrainConfig.builder().build()).keySet();
  private static final Map<String, String> FLAG_OF_FIELD = Map.of("warmupSteps", "--warmup", "op", "--op",
      "stopAfterGrok", "--stop-after-grok");

  /** "trainFraction must be in (0, 1), got 1.5" becomes "--train-fraction must be in (0, 1), got 1.5". */
  static String flagged(String message) {
    Matcher m = FIELD_FIRST.matcher(message == null ? "" : message);
    if (!m.matches() || !FIELDS.contains(m.group(1))) return message;
    String flag = FLAG_OF_FIELD.getOrDefault(m.group(1),
        "--" + m.group(1).replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
    return flag + m.group(2);
  }

  private <E extends Enum<E>> E choice(String flag, String value, Class<E> type) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value)) return e;
    }
    throw usage(flag + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ", got '" + value + "'");
  }

  private <T> T choice(String flag, String value, java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw usage(flag + ": " + e.getMessage());
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Preset names for the help text. */
  static final class PresetNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Presets.names().iterator();
    }
  }

  // ---------------------------------------------------------------- the run's listener

  /**
   * Feeds each step to the publishers and the progress line, stops N steps after grokking for
   * --stop-after-grok N, and turns the outcome of such a stop (or of Ctrl-C) into what happened.
   */
  private static final class RunListener implements StepListener {
    private final Progress progress;
    private final long stopAfterGrokSteps;
    private final TrainConfig cfg;
    volatile Trainer trainer;
    volatile PublishingListener publishing;
    volatile boolean interrupted;
    volatile ControlCommand stopCommand;
    volatile Outcome outcome;
    private long grokStep = -1;
    private boolean stoppedAfterGrok;

    RunListener(Progress progress, long stopAfterGrokSteps, TrainConfig cfg) {
      this.progress = progress;
      this.stopAfterGrokSteps = stopAfterGrokSteps;
      this.cfg = cfg;
    }

    private volatile StepMetrics last;

    /** The trainer threw: report the run as FAILED with the error (the Trainer itself only reports divergence). */
    void failed(RuntimeException e) {
      if (outcome != null || publishing == null) return;
      StepMetrics m = last;
      onFinish(new Outcome(Outcome.Status.FAILED, "trainer error: " + e, m == null ? 0 : m.step(), -1, -1, m));
    }

    @Override
    public void onStep(StepMetrics m) {
      last = m;
      publishing.onStep(m);
      progress.step(m);
      if (stopAfterGrokSteps > 0) {
        if (grokStep < 0 && m.valAcc() >= cfg.stopAccuracy()) grokStep = m.step();
        if (grokStep >= 0 && m.step() >= grokStep + stopAfterGrokSteps && !trainer.stopRequested().get()) {
          stoppedAfterGrok = true;
          trainer.stopRequested().set(true);
        }
      }
    }

    @Override
    public void onSnapshot(long step, float[][] embedding) {
      publishing.onSnapshot(step, embedding);
    }

    @Override
    public void onFinish(Outcome o) {
      Outcome what = o;
      ControlCommand cmd = stopCommand;
      if (o.status() == Outcome.Status.STOPPED && cmd != null) {
        what = new Outcome(o.status(), "stop command " + cmd.id() + (cmd.reason().isEmpty() ? "" : " (" + cmd.reason() + ")")
            + " at step " + o.lastStep(), o.lastStep(), o.trainReached(), o.valReached(), o.last());
      } else if (o.status() == Outcome.Status.STOPPED && interrupted) {
        what = new Outcome(o.status(), "interrupted (Ctrl-C) at step " + o.lastStep(), o.lastStep(), o.trainReached(),
            o.valReached(), o.last());
      } else if (o.status() == Outcome.Status.STOPPED && stoppedAfterGrok) {
        long lastEvaluated = o.last() == null ? o.lastStep() : o.last().step();
        what = new Outcome(Outcome.Status.GROKKED, "val accuracy reached " + cfg.stopAccuracy() + " at step " + grokStep
            + "; stopped " + (lastEvaluated - grokStep) + " steps later", o.lastStep(), o.trainReached(), o.valReached(), o.last());
      }
      outcome = what;
      publishing.onFinish(what);
    }
  }

  // ---------------------------------------------------------------- progress line

  /**
   * The progress line on stderr: redrawn in place (\r) on a terminal, else one line per interval. Other lines
   * (warnings) go through {@link #println} so they do not tear the bar. Thread-safe.
   */
  static final class Progress {
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final PrintWriter err;
    private final boolean interactive;
    private final long total;
    private final long intervalNanos;
    private long firstStep; // speed and ETA count from the first evaluated step, after ND4J has loaded
    private long startNanos = -1;
    private long lastPrintNanos;
    private boolean printedAny;
    private String shown = ""; // the bar currently on screen (interactive)

    Progress(PrintWriter err, boolean interactive, long total, Duration interval) {
      this.err = err;
      this.interactive = interactive;
      this.total = total;
      this.intervalNanos = interval.toNanos();
    }

    synchronized void step(StepMetrics m) {
      long now = System.nanoTime();
      if (startNanos < 0) {
        startNanos = now;
        firstStep = m.step();
      }
      boolean last = m.step() >= total;
      long gap = interactive ? REDRAW_NANOS : intervalNanos;
      if (printedAny && !last && now - lastPrintNanos < gap) return;
      printedAny = true;
      lastPrintNanos = now;
      double elapsed = (now - startNanos) / 1e9;
      double rate = elapsed > 0 ? (m.step() - firstStep) / elapsed : 0;
      String line = line(m, total, rate);
      if (interactive) {
        err.print("\r" + line + " ".repeat(Math.max(0, shown.length() - line.length())));
        shown = line;
      } else {
        err.println(line);
      }
      err.flush();
    }

    synchronized void println(String line) {
      if (interactive && !shown.isEmpty()) {
        err.print("\r" + " ".repeat(shown.length()) + "\r");
      }
      err.println(line);
      if (interactive && !shown.isEmpty()) err.print(shown);
      err.flush();
    }

    /** Ends the in-place bar with a newline. */
    synchronized void finish() {
      if (interactive && !shown.isEmpty()) {
        err.println();
        shown = "";
        err.flush();
      }
    }

    /** e.g. {@code step 1200/10000 12% | train loss 0.0123 acc 100.0% | val loss 2.35 acc 41.2% | 850 steps/s | ETA 0:10}. */
    static String line(StepMetrics m, long total, double stepsPerSecond) {
      long left = Math.max(0, total - m.step());
      String eta = stepsPerSecond > 0 ? clock(Math.round(left / stepsPerSecond)) : "-";
      return String.format(Locale.ROOT, "step %d/%d %3.0f%% | train loss %.4g acc %5.1f%% | val loss %.4g acc %5.1f%% | %.0f steps/s | ETA %s",
          m.step(), total, total == 0 ? 100.0 : 100.0 * m.step() / total, m.trainLoss(), 100 * m.trainAcc(), m.valLoss(),
          100 * m.valAcc(), stepsPerSecond, eta);
    }

    private static String clock(long seconds) {
      return seconds >= 3600
          ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
          : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
  }
}
