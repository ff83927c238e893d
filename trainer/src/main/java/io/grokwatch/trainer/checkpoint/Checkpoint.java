package io.grokwatch.trainer.checkpoint;

import io.grokwatch.trainer.train.TrainConfig;
import io.grokwatch.trainer.train.Trainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to continue a run exactly from the top of step {@code step}: the config, the parameters and
 * the optimizer's and gradient filters' buffers (as {@link Tensor}s), the minibatch sampler's position, and
 * t_train / t_val so far.
 *
 * <pre>{@code
 * Checkpoint c = TrainerState.capture(trainer, state, runId);   // on the training thread
 * CheckpointFile.write(dir.resolve("step-0000001000.ckpt"), c);
 * TrainerState.restore(new Trainer(cfg, listener), CheckpointFile.read(path));
 * }</pre>
 *
 * @param run the run id the checkpoint was written by
 * @param time epoch millis when it was taken
 * @param version grokwatch version that wrote it
 * @param params the model's parameter layout, for a readable mismatch message
 * @param optimizer optimizer class (e.g. AdamW)
 * @param filters gradient filter classes, in the order applied
 * @param sampler sampler position after {@code step} draws; null with full batches. Its permutation is checked
 *     against a seeded replay on restore (the RNG itself cannot be saved, so it is replayed).
 * @param threads the writer's step threads (an MLP sums its row shards in that grouping, so resuming bit for bit
 *     needs the same count); 0 in checkpoints written before it was recorded
 * @param tensors {@code params}, {@code optimizer.<key>}, {@code filters.<i>.<key>}, in file order
 */
public record Checkpoint(
        String run,
        long step,
        long trainReached,
        long valReached,
        long time,
        String version,
        TrainConfig config,
        List<ParamShape> params,
        String optimizer,
        List<String> filters,
        Trainer.SamplerState sampler,
        int threads,
        Map<String, Tensor> tensors) {

    /** One named parameter's shape. */
    public record ParamShape(String name, long rows, long cols) {}

    public Checkpoint {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(config, "config");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        params = List.copyOf(params);
        filters = List.copyOf(filters);
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        if (!tensors.containsKey("params")) {
            throw new IllegalArgumentException("tensors must include 'params', got " + tensors.keySet());
        }
    }

    /** The tensors whose names start with {@code prefix}, keyed by the rest of the name. */
    public Map<String, Tensor> tensorsUnder(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
