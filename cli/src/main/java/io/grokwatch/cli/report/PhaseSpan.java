package io.grokwatch.cli.report;

import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import java.util.ArrayList;
import java.util.List;

/** A stretch of steps a run spent in one phase: [fromStep, toStep). */
public record PhaseSpan(Phase phase, long fromStep, long toStep) {

    public PhaseSpan {
        if (phase == null) throw new IllegalArgumentException("phase must not be null");
        if (toStep < fromStep) {
            throw new IllegalArgumentException("toStep must be >= fromStep " + fromStep + ", got " + toStep);
        }
    }

    /**
     * The phases of a run from its transitions: FITTING from {@code firstStep}, then each
     * transition's target from its step on, the last one up to {@code lastStep}.
     */
    public static List<PhaseSpan> of(List<Transition> transitions, long firstStep, long lastStep) {
        List<PhaseSpan> spans = new ArrayList<>();
        Phase current = Phase.FITTING;
        long from = firstStep;
        for (Transition t : transitions) {
            long at = Math.max(from, Math.min(t.step(), lastStep));
            if (at > from) spans.add(new PhaseSpan(current, from, at));
            current = t.to();
            from = at;
        }
        spans.add(new PhaseSpan(current, from, Math.max(from, lastStep)));
        return spans;
    }
}
