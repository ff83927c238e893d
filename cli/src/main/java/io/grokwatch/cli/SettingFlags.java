package io.grokwatch.cli;

import io.grokwatch.events.config.Setting;
import io.grokwatch.events.config.SettingTable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Command-line flags made from a {@link SettingTable}: one picocli option per setting that has a flag, its help
 * from the setting's doc, its value parsed and checked by the setting. Commands add them in a model transformer,
 * so a new setting is a flag without touching the command.
 *
 * <pre>{@code
 * @Command(name = "analyze", modelTransformer = AnalyzeCommand.Flags.class)
 * ...
 * static final class Flags implements IModelTransformer {
 *   public CommandSpec transform(CommandSpec spec) { return SettingFlags.add(spec, DetectorConfig.TABLE, s -> true, SettingFlags::defaultNote); }
 * }
 * Map<String, Object> given = SettingFlags.given(spec, DetectorConfig.TABLE);
 * }</pre>
 */
public final class SettingFlags {
    private SettingFlags() {}

    /** Adds an option for each setting that {@code include} accepts; {@code note} ends its help line. */
    public static CommandSpec add(
            CommandSpec spec, SettingTable<?> table, Predicate<Setting<?>> include, Function<Setting<?>, String> note) {
        for (Setting<?> s : table.settings()) {
            if (s.flag() == null || !include.test(s)) continue;
            String help = s.doc() + note.apply(s);
            OptionSpec.Builder o =
                    OptionSpec.builder(s.flags().toArray(String[]::new)).description(help);
            if (s.kind() == Setting.Kind.BOOLEAN) {
                o.type(Boolean.class).arity("0").negatable(true);
            } else {
                o.type(String.class).arity("1").paramLabel(s.label());
            }
            spec.addOption(o.build());
        }
        return spec;
    }

    /** {@code " (default: 0.9)"}. */
    public static String defaultNote(Setting<?> s) {
        return " (default: " + s.print(s.defaultValue()) + ")";
    }

    /**
     * Name to value of each table flag given on this command line, in table order, parsed by its setting (a text
     * that is no value is a usage error naming the flag). Rules are checked when the config is built, in the
     * table's own wording.
     */
    public static Map<String, Object> given(CommandSpec spec, SettingTable<?> table) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Setting<?> s : table.settings()) {
            if (s.flag() == null || !parsed.hasMatchedOption(s.flag())) continue;
            Object raw = parsed.matchedOption(s.flag()).getValue();
            Object value;
            try {
                value = raw instanceof String text ? s.parse(text) : raw;
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), flagged(s.flag(), e.getMessage()));
            }
            out.put(s.name(), value);
        }
        return out;
    }

    /** "--grokfast must be one of ..." for the setting's own wording, "--op: unknown ..." for a parser's. */
    private static String flagged(String flag, String message) {
        return message != null && message.startsWith("must ") ? flag + " " + message : flag + ": " + message;
    }
}
