package io.grokwatch.analyzer.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The median rule and ASHA run live over a sweep stop the runs a replay stops, however the records arrive. */
class LiveSweepTest {

    @ParameterizedTest
    @ValueSource(strings = {"median", "median:val_acc:2500:5", "asha", "asha:val_acc:200:2"})
    void arrivingInAnyInterleavingAndRestoredHalfwayTheStopsAreTheReplays(String spec) throws IOException {
        Map<String, List<StepRecord>> runs = heldOut();
        // one run shorter than the others: it ends early and counts with what it had
        String shortRun = runs.keySet().iterator().next();
        runs.put(shortRun, runs.get(shortRun).subList(0, 200));
        AcrossRunPolicy policy = (AcrossRunPolicy) PolicySpecs.parse(spec);
        Map<String, Stop> replayed = new TreeMap<>();
        List<RecordedRun> recorded = new ArrayList<>();
        runs.forEach((run, steps) -> recorded.add(new RecordedRun(run, steps, 5000L)));
        for (RunOutcome o : PolicyReplay.replay(recorded, List.of(policy), DetectorConfig.defaults())
                .get(0)
                .runs()) {
            if (o.stopped()) replayed.put(o.run(), o.stop());
        }
        assertThat(replayed)
                .as(spec + " stops some runs, or the comparison says little")
                .isNotEmpty();

        for (long seed : new long[] {1, 2, 3}) {
            assertThat(live(policy, runs, new SplittableRandom(seed), false))
                    .as(spec + " seed " + seed)
                    .isEqualTo(replayed);
            assertThat(live(policy, runs, new SplittableRandom(seed), true))
                    .as(spec + " seed " + seed + ", restored")
                    .isEqualTo(replayed);
        }
    }

    /**
     * Records arrive in batches of random size from random runs (each run's in its own order), a release after each
     * batch; with {@code restore}, the sweep is made again from its runs' states after every batch.
     */
    private static Map<String, Stop> live(
            AcrossRunPolicy policy, Map<String, List<StepRecord>> runs, SplittableRandom random, boolean restore) {
        LiveSweep sweep = new LiveSweep(policy);
        Map<String, Integer> next = new LinkedHashMap<>();
        runs.keySet().forEach(r -> next.put(r, 0));
        // every run's first record first, as trainers started together send them
        for (String run : runs.keySet()) {
            sweep.observe(
                    run,
                    runs.get(run).get(0).step(),
                    policy.metric().of(runs.get(run).get(0)));
            next.put(run, 1);
        }
        Map<String, Stop> stops = new TreeMap<>();
        List<String> going = new ArrayList<>(runs.keySet());
        while (!going.isEmpty()) {
            String run = going.get(random.nextInt(going.size()));
            List<StepRecord> steps = runs.get(run);
            int n = 1 + random.nextInt(40);
            int from = next.get(run);
            for (int i = from; i < Math.min(steps.size(), from + n); i++)
                sweep.observe(run, steps.get(i).step(), policy.metric().of(steps.get(i)));
            next.put(run, Math.min(steps.size(), from + n));
            if (next.get(run) == steps.size()) {
                sweep.end(run);
                going.remove(run);
            }
            sweep.release()
                    .forEach((r, s) ->
                            assertThat(stops.put(r, s)).as("one stop per run").isNull());
            if (restore) {
                Map<String, double[]> states = new HashMap<>();
                for (String r : sweep.runs()) states.put(r, sweep.state(r).clone());
                sweep = LiveSweep.restore(policy, states);
            }
        }
        return stops;
    }

    private static Map<String, List<StepRecord>> heldOut() throws IOException {
        Map<String, List<StepRecord>> runs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Path.of("..", "bench", "runs", "heldout-simple-grokking-10"))) {
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
                List<StepRecord> steps = OfflineClassifier.read(f).steps();
                runs.put(steps.get(0).run(), new ArrayList<>(steps));
            }
        }
        assertThat(runs).hasSize(10);
        return runs;
    }
}
