package io.grokwatch.analyzer.detect;

import io.grokwatch.events.Alert;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import java.util.List;

/**
 * What the detector knows about one run so far: its class after Liu et al. 2022, the
 * threshold steps, and every transition and alert it has emitted, in emission order.
 *
 * @param finalClass the class the run would get if it ended now
 * @param tTrain first (smoothed) step with train accuracy at or above the threshold, or null
 * @param tVal first (smoothed) step with validation accuracy at or above the threshold, or null
 * @param delay {@code tVal - tTrain} when both are known, else null
 * @param lastStep the highest step accepted so far, or -1 before the first record
 */
public record RunSummary(
        String run,
        FinalClass finalClass,
        Long tTrain,
        Long tVal,
        Long delay,
        List<Transition> transitions,
        List<Alert> alerts,
        long lastStep,
        Phase phase) {

    public RunSummary {
        transitions = List.copyOf(transitions);
        alerts = List.copyOf(alerts);
    }

    /**
     * The class for the given threshold steps: comprehension when both are reached less than
     * {@code grokGapSteps} apart (or validation without train, e.g. train accuracy measured with
     * dropout on), grokking when further apart, memorization with train only, else confusion.
     */
    public static FinalClass classify(Long tTrain, Long tVal, long grokGapSteps) {
        if (tVal != null) {
            return tTrain != null && tVal - tTrain >= grokGapSteps ? FinalClass.GROKKING : FinalClass.COMPREHENSION;
        }
        return tTrain != null ? FinalClass.MEMORIZATION : FinalClass.CONFUSION;
    }
}
