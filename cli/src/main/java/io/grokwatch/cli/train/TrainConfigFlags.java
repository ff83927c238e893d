package io.grokwatch.cli.train;

import io.grokwatch.cli.SettingFlags;
import io.grokwatch.events.config.Setting;
import io.grokwatch.trainer.checkpoint.Checkpoint;
import io.grokwatch.trainer.task.Task;
import io.grokwatch.trainer.train.Presets;
import io.grokwatch.trainer.train.TrainConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code grokwatch train}'s config flags: one per {@link TrainConfig#TABLE} setting, applied over a preset. */
public final class TrainConfigFlags implements IModelTransformer {
    static final String DEFAULT_PRESET = "simple-grokking";
    private static final Pattern FIELD_FIRST = Pattern.compile("^([a-z][A-Za-z0-9]*)(\\s.*)$", Pattern.DOTALL);

    /** Adds the flags; picocli calls it once when it builds the command. */
    @Override
    public CommandSpec transform(CommandSpec spec) {
        return SettingFlags.add(
                spec,
                TrainConfig.TABLE,
                s -> true,
                s -> " (" + DEFAULT_PRESET + ": " + s.print(s.defaultValue()) + ")");
    }

    /**
     * The preset (or the checkpoint's config when resuming without --preset), then every flag given; checked
     * against the task too (p prime, both sides of the split non-empty). Errors are usage errors naming the flag.
     */
    static TrainConfig resolve(CommandSpec spec, String preset, Checkpoint from) {
        TrainConfig base;
        if (preset == null && from != null) {
            base = from.config();
        } else {
            try {
                base = Presets.get(preset == null ? DEFAULT_PRESET : preset);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--" + e.getMessage().replace("[", "").replace("]", ""));
            }
        }
        TrainConfig.Builder b = base.toBuilder();
        SettingFlags.given(spec, TrainConfig.TABLE).forEach(b::set);
        try {
            TrainConfig cfg = b.build();
            Task.create(cfg.op(), cfg.p(), cfg.trainFraction(), cfg.seed());
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), flagged(e.getMessage()));
        }
    }

    /** "trainFraction must be in (0, 1), got 1.5" becomes "--train-fraction must be in (0, 1), got 1.5". */
    static String flagged(String message) {
        Matcher m = FIELD_FIRST.matcher(message == null ? "" : message);
        if (!m.matches() || !TrainConfig.TABLE.has(m.group(1))) return message;
        Setting<?> s = TrainConfig.TABLE.get(m.group(1));
        return s.flag() == null ? message : s.flag() + m.group(2);
    }
}
