package io.grokwatch.trainer.checkpoint;

import io.grokwatch.trainer.model.ParamSet;
import io.grokwatch.trainer.optim.GradFilter;
import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Takes a {@link Trainer}'s whole state into a {@link Checkpoint}, and puts one back into a fresh trainer so that
 * {@link Trainer#run()} continues bit for bit as the original run would have.
 *
 * <pre>{@code
 * Trainer t = new Trainer(cfg, listener);
 * TrainerState.restore(t, CheckpointFile.read(path)); // throws CheckpointMismatchException if it does not fit
 * t.run();                                            // starts at the checkpoint's step
 * }</pre>
 */
public final class TrainerState {
    private static final String VERSION = versionOf(TrainerState.class);

    private TrainerState() {}

    /** The trainer's state at the top of {@code state.step()}; call on the training thread (e.g. from a StepHook). */
    public static Checkpoint capture(Trainer t, Trainer.LoopState state, String run) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("params", Tensor.of("params", t.model().params().flatValues()));
        t.optimizer().exportState().forEach((k, v) -> tensors.put("optimizer." + k, Tensor.of("optimizer." + k, v)));
        List<String> filters = new ArrayList<>();
        for (int i = 0; i < t.filters().size(); i++) {
            GradFilter f = t.filters().get(i);
            filters.add(f.getClass().getSimpleName());
            String prefix = "filters." + i + ".";
            f.exportState().forEach((k, v) -> tensors.put(prefix + k, Tensor.of(prefix + k, v)));
        }
        return new Checkpoint(
                run,
                state.step(),
                state.trainReached(),
                state.valReached(),
                System.currentTimeMillis(),
                VERSION,
                t.config(),
                layout(t.model().params()),
                t.optimizer().getClass().getSimpleName(),
                filters,
                t.samplerState(state.step()),
                t.threads(),
                tensors);
    }

    /**
     * Checks that {@code c} fits {@code t} (same config apart from {@link TrainConfigJson#MAY_CHANGE_ON_RESUME},
     * same parameter layout, optimizer, filters and sampler), then restores parameters, optimizer and filter
     * buffers and makes {@code t.run()} start at the checkpoint's step. Nothing is changed when a check fails.
     *
     * @throws CheckpointMismatchException naming what differs
     */
    public static void restore(Trainer t, Checkpoint c) {
        TrainConfig now = t.config();
        List<String> diffs = TrainConfigJson.differences(c.config(), now, TrainConfigJson.MAY_CHANGE_ON_RESUME);
        if (!diffs.isEmpty()) {
            throw new CheckpointMismatchException("the checkpoint was written with a different config: "
                    + String.join("; ", diffs) + " (resume with the checkpoint's values, or start a new run)");
        }
        if (c.step() > now.steps()) {
            throw new CheckpointMismatchException("the checkpoint is at step " + c.step() + ", beyond steps "
                    + now.steps() + " (pass a larger step budget to continue)");
        }
        List<Checkpoint.ParamShape> layout = layout(t.model().params());
        if (!layout.equals(c.params())) {
            throw new CheckpointMismatchException(
                    "the checkpoint's parameters " + c.params() + " differ from the model's " + layout);
        }
        Tensor params = c.tensors().get("params");
        INDArray flat = t.model().params().flatValues();
        if (params.length() != flat.length() || params.dtype() != Tensor.DType.FLOAT32) {
            throw new CheckpointMismatchException("the checkpoint's params tensor has " + params.length() + " "
                    + params.dtype().wireName() + " values, the model " + flat.length() + " float32");
        }
        String optimizer = t.optimizer().getClass().getSimpleName();
        if (!optimizer.equals(c.optimizer())) {
            throw new CheckpointMismatchException(
                    "the checkpoint's optimizer is " + c.optimizer() + ", this run's " + optimizer);
        }
        Map<String, INDArray> optState = toArrays(c.tensorsUnder("optimizer."));
        checkSameBuffers("optimizer " + optimizer, t.optimizer().exportState(), optState);
        List<String> filters =
                t.filters().stream().map(f -> f.getClass().getSimpleName()).toList();
        if (!filters.equals(c.filters())) {
            throw new CheckpointMismatchException(
                    "the checkpoint's gradient filters are " + c.filters() + ", this run's " + filters);
        }
        List<Map<String, INDArray>> filterStates = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            Map<String, INDArray> s = toArrays(c.tensorsUnder("filters." + i + "."));
            checkSameBuffers("filter " + filters.get(i), t.filters().get(i).exportState(), s);
            filterStates.add(s);
        }
        Trainer.SamplerState replayed = t.samplerState(c.step());
        checkSampler(c, replayed);

        flat.assign(params.toINDArray());
        t.optimizer().importState(optState);
        for (int i = 0; i < filters.size(); i++) {
            t.filters().get(i).importState(filterStates.get(i));
        }
        t.resumeAt(new Trainer.LoopState(c.step(), c.trainReached(), c.valReached()));
    }

    private static void checkSampler(Checkpoint c, Trainer.SamplerState replayed) {
        Trainer.SamplerState saved = c.sampler();
        if ((saved == null) != (replayed == null)) {
            throw new CheckpointMismatchException(
                    "the checkpoint " + (saved == null ? "has no" : "has a") + " minibatch sampler, this run "
                            + (replayed == null ? "trains on full batches" : "samples minibatches"));
        }
        if (saved == null) {
            return;
        }
        if (saved.draws() != c.step()
                || saved.position() != replayed.position()
                || !Arrays.equals(saved.permutation(), replayed.permutation())) {
            throw new CheckpointMismatchException(
                    "the checkpoint's minibatch sampler (draws " + saved.draws() + ", position "
                            + saved.position() + ") does not match a seeded replay to step " + c.step() + " (position "
                            + replayed.position()
                            + "); the sampler or the split changed since it was written, so the run cannot continue exactly");
        }
    }

    private static void checkSameBuffers(String owner, Map<String, INDArray> live, Map<String, INDArray> saved) {
        if (!live.keySet().equals(saved.keySet())) {
            throw new CheckpointMismatchException("the checkpoint's " + owner + " state has buffers " + saved.keySet()
                    + ", this run's " + live.keySet());
        }
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (s.length() != e.getValue().length()
                    || s.dataType() != e.getValue().dataType()) {
                throw new CheckpointMismatchException("the checkpoint's " + owner + " buffer " + e.getKey() + " has "
                        + s.length() + " " + s.dataType() + " values, this run's "
                        + e.getValue().length() + " " + e.getValue().dataType());
            }
        }
    }

    private static Map<String, INDArray> toArrays(Map<String, Tensor> tensors) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.toINDArray()));
        return out;
    }

    private static List<Checkpoint.ParamShape> layout(ParamSet params) {
        return params.list().stream()
                .map(p -> new Checkpoint.ParamShape(
                        p.name(), p.value().rows(), p.value().columns()))
                .toList();
    }

    private static String versionOf(Class<?> c) {
        Package p = c.getPackage();
        return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "dev";
    }
}
