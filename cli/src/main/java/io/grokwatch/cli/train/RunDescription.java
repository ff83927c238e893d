package io.grokwatch.cli.train;

import io.grokwatch.cli.VersionProvider;
import io.grokwatch.events.Provenance;
import io.grokwatch.events.RunStarted;
import io.grokwatch.trainer.checkpoint.TrainConfigJson;
import io.grokwatch.trainer.train.Backend;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** What {@code train} and {@code demo} say about a run: its one-line description, its id and its run_started. */
public final class RunDescription {
    private RunDescription() {}

    /** e.g. {@code simple-grokking, x+y mod 53, 60% train, mlp embed 128 hidden [128], adamw lr 0.03 wd 0.03, full batch, 10000 steps}. */
    public static String describe(TrainConfig c) {
        String shape = c.model() == TrainConfig.ModelKind.MLP
                ? "mlp embed " + c.embedDim() + " hidden " + c.hidden()
                : "transformer " + c.layers() + "x d" + c.dModel() + " h" + c.heads();
        return String.format(
                Locale.ROOT,
                "%s, %s mod %d, %.0f%% train, %s, %s lr %s wd %s, %s, %d steps",
                c.name(),
                c.op().symbol(),
                c.p(),
                100 * c.trainFraction(),
                shape,
                c.optimizer().name().toLowerCase(Locale.ROOT),
                c.lr(),
                c.weightDecay(),
                c.batchSize() == 0 ? "full batch" : "batch " + c.batchSize(),
                c.steps());
    }

    /** {@code NAME-yyyyMMdd-HHmmss}, and a random hex suffix when several may start in the same second. */
    public static String newRunId(String name, boolean randomSuffix) {
        String id = name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return randomSuffix
                ? id + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000))
                : id;
    }

    /** The task id of run records: the op's name in lower case. */
    public static String taskId(TrainConfig c) {
        return c.op().name().toLowerCase(Locale.ROOT);
    }

    /** The modulus of run records; 0 for S5, which is not Z_p (no Fourier view). */
    public static int modulus(TrainConfig c) {
        return c.op().isGroup() ? 0 : c.p();
    }

    /** run_started: every TrainConfig field and {@code extra}, and the full provenance. */
    public static RunStarted runStarted(
            String run, long time, TrainConfig cfg, Trainer trainer, Map<String, Object> extra) {
        return runStarted(run, time, cfg, trainer.task().splitHash(), extra);
    }

    /** run_started of a run whose train/val split hashes to {@code splitHash}. */
    public static RunStarted runStarted(
            String run, long time, TrainConfig cfg, String splitHash, Map<String, Object> extra) {
        Map<String, Object> config = new LinkedHashMap<>(TrainConfigJson.toMap(cfg));
        config.putAll(extra);
        Provenance p = Provenance.current(cfg.seed(), splitHash, Backend.describe());
        String commit = VersionProvider.gitCommit();
        Provenance provenance = new Provenance(
                p.seed(),
                p.splitHash(),
                VersionProvider.version(),
                commit == null ? p.gitCommit() : commit,
                p.jvm(),
                p.os(),
                p.cpu(),
                p.backend(),
                p.host());
        return new RunStarted(run, time, taskId(cfg), cfg.model().name().toLowerCase(Locale.ROOT), config, provenance);
    }

    /** Preset names for picocli's ${COMPLETION-CANDIDATES}. */
    public static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Presets.names().iterator();
        }
    }
}
