package io.grokwatch.analyzer.detect;

import static io.grokwatch.analyzer.detect.Curves.RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.events.Event;
import io.grokwatch.events.StepRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactStateCodecTest {
    private static final DetectorConfig CONFIG = DetectorConfig.defaults();

    @Test
    void roundTripsEveryStateOfARunAndIsSmallerThanJson() {
        List<StepRecord> steps = Curves.withDuplicates(Curves.noisy(Curves.grokking(), 0.01, 23), 50, 2);
        RunDetector d = new RunDetector(RUN, CONFIG);
        d.accept(new StepRecord(RUN, 0, 2.0, 0.1, 2.1, 0.1, 1_700_000_000_000L, 3.5, 0.2, 0.01, 1e-3, 12.5), 0);
        for (StepRecord s : steps) {
            d.accept(s, s.step());
            DetectorState state = d.state();
            byte[] compact = CompactStateCodec.encode(state);
            assertThat(CompactStateCodec.decode(compact)).isEqualTo(state);
            assertThat(compact.length).isLessThan(DetectorState.encode(state).length / 2);
        }
        assertThat(d.state().transitions()).isNotEmpty();
        assertThat(d.state().alerts()).isNotEmpty();
    }

    @Test
    void keepsNonFiniteValuesAndReadsTheJsonOfEarlierVersions() {
        RunDetector diverged = new RunDetector(RUN, CONFIG);
        diverged.accept(StepRecord.of(RUN, 1, Double.NaN, 0.1, Double.NEGATIVE_INFINITY, 0.1), 5);
        diverged.finish(6);
        DetectorState state = diverged.state();
        assertThat(CompactStateCodec.decode(CompactStateCodec.encode(state))).isEqualTo(state);
        assertThat(CompactStateCodec.decode(DetectorState.encode(state))).isEqualTo(state);
    }

    @Test
    void restoredFromCompactBytesContinuesLikeTheUninterruptedDetector() {
        List<StepRecord> steps = Curves.noisy(Curves.grokking(), 0.01, 24);
        int cut = steps.size() / 2;
        RunDetector whole = new RunDetector(RUN, CONFIG);
        RunDetector first = new RunDetector(RUN, CONFIG);
        List<Event> wholeTail = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            List<Event> out = whole.accept(steps.get(i), i);
            if (i < cut) first.accept(steps.get(i), i);
            else wholeTail.addAll(out);
        }
        RunDetector resumed =
                RunDetector.restore(CompactStateCodec.decode(CompactStateCodec.encode(first.state())), CONFIG);
        List<Event> resumedTail = new ArrayList<>();
        for (int i = cut; i < steps.size(); i++) resumedTail.addAll(resumed.accept(steps.get(i), i));
        assertThat(resumedTail).isEqualTo(wholeTail);
        assertThat(resumed.state()).isEqualTo(whole.state());
    }

    @Test
    void truncatedOrUnknownBytesSayWhy() {
        byte[] good = CompactStateCodec.encode(new RunDetector(RUN, CONFIG).state());
        assertThatThrownBy(() -> CompactStateCodec.decode(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot decode detector state: ")
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> CompactStateCodec.decode(new byte[] {9, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot decode detector state: unknown format version 9");
    }
}
