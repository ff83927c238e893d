package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.events.Phase;
import io.grokwatch.events.Transition;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhaseSpanTest {

    @Test
    void transitionsCutTheRunIntoPhases() {
        List<Transition> ts = List.of(
                new Transition("r", Phase.FITTING, Phase.MEMORIZED, 40, 41, 0),
                new Transition("r", Phase.MEMORIZED, Phase.GENERALIZING, 1800, 1801, 0),
                new Transition("r", Phase.GENERALIZING, Phase.GROKKED, 2400, 2401, 0));

        assertThat(PhaseSpan.of(ts, 0, 5000))
                .containsExactly(
                        new PhaseSpan(Phase.FITTING, 0, 40),
                        new PhaseSpan(Phase.MEMORIZED, 40, 1800),
                        new PhaseSpan(Phase.GENERALIZING, 1800, 2400),
                        new PhaseSpan(Phase.GROKKED, 2400, 5000));
    }

    @Test
    void noTransitionsIsOneFittingSpan() {
        assertThat(PhaseSpan.of(List.of(), 10, 20)).containsExactly(new PhaseSpan(Phase.FITTING, 10, 20));
    }

    @Test
    void aTransitionAtTheFirstStepLeavesNoEmptySpan() {
        List<Transition> ts = List.of(new Transition("r", Phase.FITTING, Phase.COMPREHENDED, 0, 1, 0));
        assertThat(PhaseSpan.of(ts, 0, 100)).containsExactly(new PhaseSpan(Phase.COMPREHENDED, 0, 100));
    }
}
