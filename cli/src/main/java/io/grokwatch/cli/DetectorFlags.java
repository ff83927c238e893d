package io.grokwatch.cli;

import io.grokwatch.analyzer.detect.DetectorConfig;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A flag for every {@link DetectorConfig} setting, its help and default from {@link DetectorConfig#TABLE}:
 * {@code @Command(modelTransformer = DetectorFlags.class)}, then {@link #config} in the command.
 */
public final class DetectorFlags implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
        return SettingFlags.add(spec, DetectorConfig.TABLE, s -> true, SettingFlags::defaultNote);
    }

    /** The defaults with the detector flags given on this command line; a broken rule is a usage error. */
    static DetectorConfig config(CommandSpec spec) {
        DetectorConfig.Builder b = DetectorConfig.builder();
        SettingFlags.given(spec, DetectorConfig.TABLE).forEach(b::set);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
