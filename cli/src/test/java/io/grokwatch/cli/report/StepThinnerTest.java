package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepThinnerTest {

    private static List<StepRecord> steps(int n) {
        List<StepRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(StepRecord.of("r", i, 1.0, 0.5, 1.0, 0.5));
        return out;
    }

    @Test
    void shortRunsAreKeptWhole() {
        assertThat(StepThinner.thin(steps(100), 200, List.of())).hasSize(100);
    }

    @Test
    void longRunsKeepEndsEarlyStepsAndTransitionsWithinBudget() {
        List<StepRecord> thin = StepThinner.thin(steps(100_000), 1000, List.of(4321L, 77_777L));

        assertThat(thin.size()).isBetween(500, 1002);
        List<Long> kept = thin.stream().map(StepRecord::step).toList();
        assertThat(kept).contains(0L, 99_999L, 4321L, 77_777L);
        assertThat(kept).isSorted().doesNotHaveDuplicates();
        // log spacing keeps the whole early part, where train accuracy rises
        assertThat(kept).contains(1L, 2L, 3L, 5L, 10L);
    }

    @Test
    void rejectsATinyBudget() {
        assertThatThrownBy(() -> StepThinner.thin(steps(10), 1, List.of())).hasMessage("maxPoints must be >= 2, got 1");
    }
}
