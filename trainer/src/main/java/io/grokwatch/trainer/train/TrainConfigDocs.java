package io.grokwatch.trainer.train;

import io.grokwatch.events.config.Setting;
import java.util.List;
import java.util.stream.Collectors;

/**
 * TRAINING.md's table of config flags, made from {@link TrainConfig#TABLE}; a test keeps the file equal to it.
 *
 * <pre>{@code java -cp trainer/target/classes:events/target/classes io.grokwatch.trainer.train.TrainConfigDocs}</pre>
 */
public final class TrainConfigDocs {
    /** The lines around the generated table in TRAINING.md. */
    public static final String BEGIN =
            "<!-- config flags: generated from TrainConfig.TABLE (TrainConfigDocs), do not edit -->";

    public static final String END = "<!-- end of config flags -->";

    private TrainConfigDocs() {}

    /** flag, config field, default, meaning: one row per setting with a flag. */
    public static String markdown() {
        return TrainConfig.TABLE.markdown(
                s -> s.flag() != null,
                List.of("flag", "config field", "default", "meaning"),
                TrainConfigDocs::flags,
                s -> s.name(),
                s -> "`" + s.print(s.defaultValue()) + "`",
                Setting::doc);
    }

    private static String flags(Setting<?> s) {
        return s.flags().stream().map(f -> "`" + s.synopsis(f) + "`").collect(Collectors.joining(", "));
    }

    public static void main(String[] args) {
        System.out.println(BEGIN);
        System.out.print(markdown());
        System.out.println(END);
    }
}
