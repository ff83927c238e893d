package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunDetector;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stopper made again from its {@link RunStopper#state()} decides as the one that never stopped: what the live
 * analyzer relies on when it restores a run from its changelog after a restart.
 */
class PolicyStateTest {
    private static final Path RUNS = Path.of("..", "bench", "runs", "heldout-simple-grokking-10");

    @ParameterizedTest
    @ValueSource(strings = {"patience:val_loss:500", "patience:val_acc:20e:0.001", "grok-aware", "grok-aware:300:200"})
    void aStopperRestoredAtEveryEvaluationStopsWhereTheUninterruptedOneDoes(String spec) throws IOException {
        PerRunPolicy policy = (PerRunPolicy) PolicySpecs.parseLive(spec);
        int stopped = 0;
        for (Path file : runs()) {
            List<StepRecord> steps = OfflineClassifier.read(file).steps();
            Optional<Stop> straight = firstStop(policy, steps, false);
            Optional<Stop> restored = firstStop(policy, steps, true);
            assertThat(restored).as(spec + " on " + file.getFileName()).isEqualTo(straight);
            if (straight.isPresent()) stopped++;
        }
        assertThat(stopped)
                .as(spec + " stops some of the runs, or the comparison says little")
                .isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"patience:val_loss:500", "grok-aware"})
    void aStateThatDoesNotDecodeIsAnErrorNamingThePolicy(String spec) {
        assertThatThrownBy(() -> ((PerRunPolicy) PolicySpecs.parseLive(spec)).restore(new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("policy " + spec);
    }

    /** Through the detector as the analyzer does, with a 5,000-step budget; restored after every evaluation. */
    private static Optional<Stop> firstStop(PerRunPolicy policy, List<StepRecord> steps, boolean restoreEachTime) {
        RunDetector detector = new RunDetector(steps.get(0).run(), DetectorConfig.defaults());
        RunStopper stopper = policy.newRun(5000);
        for (StepRecord s : steps) {
            detector.accept(s, s.time() == null ? 0 : s.time());
            if (restoreEachTime) stopper = policy.restore(stopper.state().clone());
            Optional<Stop> stop = stopper.observe(detector.summary(), s);
            if (stop.isPresent()) return stop;
        }
        return Optional.empty();
    }

    private static List<Path> runs() throws IOException {
        try (Stream<Path> files = Files.list(RUNS)) {
            List<Path> out = new ArrayList<>(
                    files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList());
            assertThat(out).as("recorded runs in " + RUNS.toAbsolutePath()).hasSize(10);
            return out;
        }
    }
}
