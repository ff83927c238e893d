package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code grokwatch forecast-eval} on the held-out recorded runs, and on bad input. */
class ForecastEvalCommandTest {
    /** Ten simple-grokking runs (seed 1) not used while building the forecast: 4 grok within 5,000 steps. */
    private static final Path HELDOUT = Path.of("..", "bench", "runs", "heldout-simple-grokking-10");

    @TempDir
    Path dir;

    @Test
    void theHeldOutRunsMeetTheForecastsGoalAtHalfOfTVal() throws Exception {
        CliRun r = CliRun.grokwatch("forecast-eval", HELDOUT.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.path("runs")).hasSize(10);
        int grokked = 0;
        for (JsonNode run : root.path("runs")) {
            assertThat(run.path("budget").asLong()).isEqualTo(5000);
            assertThat(run.path("leads")).hasSize(3);
            if (!run.path("tVal").isNull()) grokked++;
        }
        assertThat(grokked).isEqualTo(4);
        JsonNode half = null;
        for (JsonNode l : root.path("summary")) if (l.path("lead").asDouble() == 0.5) half = l;
        assertThat(half).isNotNull();
        assertThat(half.path("runs").asInt()).isEqualTo(grokked);
        assertThat(half.path("medianAbsError").asDouble())
                .as("median |error| at 50%")
                .isLessThanOrEqualTo(0.25);
        assertThat(half.path("worstAbsError").asDouble())
                .isGreaterThanOrEqualTo(half.path("medianAbsError").asDouble());

        CliRun text = CliRun.grokwatch("forecast-eval", HELDOUT.toString());
        assertThat(text.exitCode()).isZero();
        assertThat(text.out())
                .contains("lead  runs  median |error|  worst |error|  within +-25%")
                .contains("runs without t_val, at 50% of the budget:")
                .contains("heldout-s1-wd0.1-f0.6");
    }

    @Test
    void aBadLineOrAMissingFileIsAUsageErrorNamingIt() throws Exception {
        Path run = dir.resolve("r.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(HELDOUT.resolve("heldout-s1-wd0.1-f0.6.jsonl")));
        lines.set(2, lines.get(2).substring(0, 30)); // truncated
        Files.write(run, lines);
        CliRun bad = CliRun.grokwatch("forecast-eval", run.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).startsWith("grokwatch forecast-eval: " + run + ":3: ");

        CliRun missing = CliRun.grokwatch("forecast-eval", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err())
                .startsWith("grokwatch forecast-eval: " + dir.resolve("nope") + ": no such file or directory");

        CliRun target = CliRun.grokwatch("forecast-eval", HELDOUT.toString(), "--target-val-loss", "-1");
        assertThat(target.exitCode()).isEqualTo(2);
        assertThat(target.err()).startsWith("grokwatch forecast-eval: --target-val-loss: ");
    }
}
