package io.grokwatch.analyzer.detect;

import static io.grokwatch.analyzer.detect.Curves.RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Event;
import io.grokwatch.events.Phase;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectorStateTest {

    private static final DetectorConfig CONFIG = DetectorConfig.defaults();

    @Test
    void encodeDecodeRoundTripsAtEveryPhase() {
        List<StepRecord> steps = Curves.noisy(Curves.grokking(), 0.01, 21);
        RunDetector d = new RunDetector(RUN, CONFIG);
        d.accept(
                new StructureAnalysis(RUN, 0, 1, new int[] {3}, 0.5, 0.25, new double[] {0.6}, new double[] {1, 2}), 1);
        List<Phase> seen = new ArrayList<>();
        for (StepRecord s : steps) {
            d.accept(s, s.step());
            if (!seen.contains(d.phase())) {
                seen.add(d.phase());
                DetectorState state = d.state();
                assertThat(DetectorState.decode(DetectorState.encode(state))).isEqualTo(state);
            }
        }
        assertThat(seen).contains(Phase.FITTING, Phase.MEMORIZED, Phase.GENERALIZING, Phase.GROKKED);
    }

    @Test
    void roundTripsNonFiniteValuesAndTheFreshState() {
        RunDetector fresh = new RunDetector(RUN, CONFIG);
        DetectorState state = fresh.state();
        assertThat(state.minTrainLoss()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(state.plateauVal()).isNaN();
        byte[] json = DetectorState.encode(state);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"minTrainLoss\":Infinity")
                .contains("\"plateauVal\":NaN");
        assertThat(DetectorState.decode(json)).isEqualTo(state);

        RunDetector diverged = new RunDetector(RUN, CONFIG);
        diverged.accept(StepRecord.of(RUN, 1, Double.NaN, 0.1, Double.NEGATIVE_INFINITY, 0.1), 5);
        diverged.finish(6);
        assertThat(DetectorState.decode(DetectorState.encode(diverged.state()))).isEqualTo(diverged.state());
    }

    @Test
    void restoreThenContinueEqualsUninterrupted() {
        List<StepRecord> steps = Curves.withDuplicates(Curves.noisy(Curves.grokking(), 0.01, 22), 50, 2);
        for (int cut : new int[] {0, 1, 30, 333, 370, 400, 450, 460, 700, steps.size()}) {
            RunDetector whole = new RunDetector(RUN, CONFIG);
            RunDetector first = new RunDetector(RUN, CONFIG);
            List<Event> wholeTail = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                List<Event> out = whole.accept(steps.get(i), i);
                if (i < cut) first.accept(steps.get(i), i);
                else wholeTail.addAll(out);
            }
            wholeTail.addAll(whole.finish(9_999));

            RunDetector resumed =
                    RunDetector.restore(DetectorState.decode(DetectorState.encode(first.state())), CONFIG);
            List<Event> resumedTail = new ArrayList<>();
            for (int i = cut; i < steps.size(); i++) resumedTail.addAll(resumed.accept(steps.get(i), i));
            resumedTail.addAll(resumed.finish(9_999));

            assertThat(resumedTail).as("events after a cut at %d", cut).isEqualTo(wholeTail);
            assertThat(resumed.summary()).isEqualTo(whole.summary());
            assertThat(resumed.state()).isEqualTo(whole.state());
        }
    }

    @Test
    void decodeOfGarbageSaysWhy() {
        assertThatThrownBy(() -> DetectorState.decode("{\"run\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot decode detector state: ");
    }
}
