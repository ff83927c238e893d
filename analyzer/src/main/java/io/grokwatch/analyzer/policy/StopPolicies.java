package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.StepRecord;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built-in {@link StopPolicy} kinds and their parser. */
final class StopPolicies {
    private StopPolicies() {}

    private static final Pattern SPEC = Pattern.compile("(grokked|memorized)\\+(\\S+)|steps=(\\S+)");
    private static final String EXPECTED = "expected grokked+N, memorized+N or steps=N with N a non-negative integer";

    static StopPolicy parse(String spec) {
        if (spec == null) throw new IllegalArgumentException("stop policy is required; " + EXPECTED);
        String s = spec.trim();
        Matcher m = SPEC.matcher(s);
        if (!m.matches())
            throw new IllegalArgumentException("stop policy '" + spec + "' is not understood; " + EXPECTED);
        if (m.group(3) != null) return new AtStep(s, steps(spec, m.group(3)));
        long n = steps(spec, m.group(2));
        return m.group(1).equals("grokked") ? new AfterGeneralized(s, n) : new AfterMemorized(s, n);
    }

    private static long steps(String spec, String n) {
        try {
            long v = Long.parseLong(n);
            if (v >= 0) return v;
        } catch (NumberFormatException ignored) {
            // reported below with the spec
        }
        throw new IllegalArgumentException(
                "stop policy '" + spec + "': N='" + n + "' is not a non-negative integer; " + EXPECTED);
    }

    /** {@code grokked+N}: N steps after t_val. */
    record AfterGeneralized(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            Long tVal = summary.tVal();
            if (tVal == null || last.step() < tVal + n) return Optional.empty();
            return Optional.of("policy " + spec + ": val accuracy reached its threshold at step " + tVal + " ("
                    + summary.finalClass().name().toLowerCase() + "), now at step " + last.step());
        }
    }

    /** {@code memorized+N}: N steps after t_train. */
    record AfterMemorized(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            Long tTrain = summary.tTrain();
            if (tTrain == null || last.step() < tTrain + n) return Optional.empty();
            return Optional.of("policy " + spec + ": train accuracy reached its threshold at step " + tTrain
                    + ", now at step " + last.step());
        }
    }

    /** {@code steps=N}: a fixed budget. */
    record AtStep(String spec, long n) implements StopPolicy {
        @Override
        public Optional<String> shouldStop(RunSummary summary, StepRecord last) {
            if (last.step() < n) return Optional.empty();
            return Optional.of("policy " + spec + ": step budget reached at step " + last.step());
        }
    }
}
