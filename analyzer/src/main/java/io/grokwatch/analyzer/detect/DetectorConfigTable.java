package io.grokwatch.analyzer.detect;

import io.grokwatch.events.config.Setting;
import java.util.List;

/**
 * The settings table of {@code analyzer/DETECTOR.md}, made from {@link DetectorConfig#TABLE} (a test checks the
 * file holds it); regenerate after changing a setting:
 *
 * <pre>{@code
 * java -cp grokwatch-analyzer.jar:grokwatch-events.jar io.grokwatch.analyzer.detect.DetectorConfigTable > table.md
 * }</pre>
 */
public final class DetectorConfigTable {
    private DetectorConfigTable() {}

    /** The settings table in Markdown: setting, default, flag, meaning. */
    public static String markdown() {
        return DetectorConfig.TABLE.markdown(
                s -> true,
                List.of("setting", "default", "flag", "meaning"),
                s -> "`" + s.name() + "`",
                s -> "`" + s.print(s.defaultValue()) + "`",
                DetectorConfigTable::flags,
                Setting::doc);
    }

    private static String flags(Setting<?> s) {
        if (s.flag() == null) return "-";
        String main = "`" + s.synopsis(s.flag()) + "`";
        List<String> aliases = s.flags().subList(1, s.flags().size());
        return aliases.isEmpty() ? main : main + " (or `" + String.join("`, `", aliases) + "`)";
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
