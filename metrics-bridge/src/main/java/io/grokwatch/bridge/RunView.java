package io.grokwatch.bridge;

import io.grokwatch.events.Alert;
import io.grokwatch.events.AlertKind;
import io.grokwatch.events.Forecast;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;

/**
 * Everything the bridge shows about one run at one moment. Immutable: the poll thread derives a
 * new view from the previous one and a record, and {@link BridgeMetrics} writes it out.
 *
 * <p>Nullable fields are "not known yet"; their series are not exported until they are.
 *
 * @param lastStep the last step record consumed, or null
 * @param stepsPerSecond from the step record, or derived from the last two timed step records
 * @param stalledAtStep the step the last STALLED alert was raised at; progress past it clears
 *     {@code stalled}
 * @param forecast the analyzer's last t_val forecast for the run, or null
 * @param lastUpdateMillis bridge-clock time at which the last record of this run was consumed
 */
record RunView(
        String run,
        RunInfo info,
        StepRecord lastStep,
        Double stepsPerSecond,
        Double weightNorm,
        Double weightDistance,
        Phase phase,
        Long memorizedStep,
        Long grokkedStep,
        Double fourierTopKShare,
        Double rqi,
        Forecast forecast,
        boolean stalled,
        long stalledAtStep,
        boolean finished,
        long lastUpdateMillis) {

    /** A run seen for the first time, in phase FITTING, the phase every run starts in. */
    static RunView first(String run, RunInfo info, long now) {
        return new RunView(
                run, info, null, null, null, null, Phase.FITTING, null, null, null, null, null, false, -1, false, now);
    }

    /** Label values of the per-run series: run, task, model. */
    String[] labels() {
        return new String[] {run, info.task(), info.model()};
    }

    /** Steps from memorization to grokking, once both are known. */
    Long grokkingDelaySteps() {
        return memorizedStep == null || grokkedStep == null ? null : grokkedStep - memorizedStep;
    }

    RunView withInfo(RunInfo newInfo, long now) {
        return new RunView(
                run,
                newInfo,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                forecast,
                stalled,
                stalledAtStep,
                finished,
                now);
    }

    /**
     * Takes in a step record. A step at or below the last one (a trainer resumed from a checkpoint,
     * or a duplicate after a producer retry) still replaces the values: the gauges show what the
     * trainer reported last.
     */
    RunView withStep(StepRecord s, long now) {
        Double sps = s.stepsPerSecond() != null ? s.stepsPerSecond() : derivedStepsPerSecond(s);
        boolean stillStalled = stalled && s.step() <= stalledAtStep;
        return new RunView(
                run,
                info,
                s,
                sps,
                s.weightNorm() != null ? s.weightNorm() : weightNorm,
                s.weightDistance() != null ? s.weightDistance() : weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                forecast,
                stillStalled,
                stalledAtStep,
                finished,
                now);
    }

    private Double derivedStepsPerSecond(StepRecord s) {
        if (lastStep == null || lastStep.time() == null || s.time() == null) return stepsPerSecond;
        long millis = s.time() - lastStep.time();
        long steps = s.step() - lastStep.step();
        // Boxed on purpose: a mixed double/Double conditional would unbox a null stepsPerSecond.
        return millis > 0 && steps > 0 ? Double.valueOf(steps * 1000.0 / millis) : stepsPerSecond;
    }

    RunView withTransition(Transition t, long now) {
        Long memorized = t.to() == Phase.MEMORIZED ? Long.valueOf(t.step()) : memorizedStep;
        Long grokked = t.to() == Phase.GROKKED ? Long.valueOf(t.step()) : grokkedStep;
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                t.to(),
                memorized,
                grokked,
                fourierTopKShare,
                rqi,
                forecast,
                stalled,
                stalledAtStep,
                finished,
                now);
    }

    RunView withAlert(Alert a, long now) {
        boolean isStall = a.kind() == AlertKind.STALLED;
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                forecast,
                stalled || isStall,
                isStall ? a.detectedStep() : stalledAtStep,
                finished,
                now);
    }

    /** Takes in a structure analysis; NaN means "not applicable" and keeps the previous value. */
    RunView withStructure(StructureAnalysis a, long now) {
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                Double.isFinite(a.fourierTopKShare()) ? Double.valueOf(a.fourierTopKShare()) : fourierTopKShare,
                Double.isFinite(a.rqi()) ? Double.valueOf(a.rqi()) : rqi,
                forecast,
                stalled,
                stalledAtStep,
                finished,
                now);
    }

    /** Takes in the analyzer's latest t_val forecast; it replaces the previous one whole. */
    RunView withForecast(Forecast f, long now) {
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                f,
                stalled,
                stalledAtStep,
                finished,
                now);
    }

    RunView withFinished(long now) {
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                forecast,
                stalled,
                stalledAtStep,
                true,
                now);
    }

    RunView touched(long now) {
        return new RunView(
                run,
                info,
                lastStep,
                stepsPerSecond,
                weightNorm,
                weightDistance,
                phase,
                memorizedStep,
                grokkedStep,
                fourierTopKShare,
                rqi,
                forecast,
                stalled,
                stalledAtStep,
                finished,
                now);
    }
}
