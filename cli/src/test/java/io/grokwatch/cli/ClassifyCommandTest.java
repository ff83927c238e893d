package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.detect.OfflineClassifier;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyCommandTest {
    @TempDir
    Path dir;

    /** Train fits by ~step 280, val jumps at ~4000 and passes 0.9 at ~4470; every 10 steps to 6000. */
    static List<String> grokkingLines(String run) {
        List<String> lines = new ArrayList<>();
        for (long s = 0; s <= 6000; s += 10) {
            double tr = 0.02 + 0.98 / (1 + Math.exp(-(s - 200) / 25.0));
            double va = 0.05 + 0.93 / (1 + Math.exp(-(s - 4000) / 200.0));
            lines.add(EventCodec.encodeToString(new StepRecord(
                    run,
                    s,
                    4 * (1 - tr) + 1e-3,
                    tr,
                    4 * (1 - va),
                    va,
                    1_700_000_000_000L + s,
                    null,
                    null,
                    null,
                    null,
                    null)));
        }
        return lines;
    }

    private Path write(String name, List<String> lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    @Test
    void printsClassThresholdStepsTransitionsAndAlerts() throws Exception {
        Path f = write("run.jsonl", grokkingLines("rec-1"));
        RunSummary expected = OfflineClassifier.classify(f, DetectorConfig.defaults());

        CliRun r = CliRun.grokwatch("classify", f.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .startsWith("run rec-1: GROKKING\n  t_train " + expected.tTrain() + ", t_val " + expected.tVal()
                        + ", delay " + expected.delay() + " steps; last step 6000, phase GROKKED\n");
        assertThat(r.out())
                .containsPattern("FITTING +-> MEMORIZED +step +" + expected.tTrain() + "  detected +"
                        + (expected.tTrain() + 10));
        assertThat(r.out())
                .containsPattern(
                        "GENERALIZING +-> GROKKED +step +" + expected.tVal() + "  detected +" + (expected.tVal() + 10));
        assertThat(r.out()).contains("VAL_ACC_JUMP").containsPattern("GROKKED +step +" + expected.tVal());
    }

    @Test
    void jsonIsOneObjectWithEverything() throws Exception {
        Path f = write("run.jsonl", grokkingLines("rec-2"));
        RunSummary expected = OfflineClassifier.classify(f, DetectorConfig.defaults());

        CliRun r = CliRun.grokwatch("classify", f.toString(), "--json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JsonMapper.builder().build().readTree(r.out());
        assertThat(o.get("run").asText()).isEqualTo("rec-2");
        assertThat(o.get("finalClass").asText()).isEqualTo("GROKKING");
        assertThat(o.get("tTrain").asLong()).isEqualTo(expected.tTrain());
        assertThat(o.get("tVal").asLong()).isEqualTo(expected.tVal());
        assertThat(o.get("delay").asLong()).isEqualTo(expected.delay());
        assertThat(o.get("transitions")).hasSize(expected.transitions().size());
        JsonNode grokked = o.get("transitions").get(expected.transitions().size() - 1);
        assertThat(grokked.get("to").asText()).isEqualTo("GROKKED");
        assertThat(grokked.get("step").asLong()).isEqualTo(expected.tVal());
        assertThat(grokked.get("detectedStep").asLong()).isEqualTo(expected.tVal() + 10);
        assertThat(o.get("alerts").get(1).get("kind").asText()).isEqualTo("VAL_ACC_JUMP");
        assertThat(o.get("skippedLines").asInt()).isZero();
    }

    @Test
    void detectorFlagsComeFromTheTableWithTheirOldNames() throws Exception {
        Path f = write("run.jsonl", grokkingLines("rec-3"));
        for (String flag : List.of("--grok-gap", "--grok-gap-steps")) {
            CliRun r = CliRun.grokwatch("classify", f.toString(), flag, "100000");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).as(flag).startsWith("run rec-3: COMPREHENSION\n");
        }
        CliRun window = CliRun.grokwatch("classify", f.toString(), "--smoothing-window", "4");
        assertThat(window.exitCode()).isEqualTo(2);
        assertThat(window.err()).contains("detector config smoothingWindow=4: must be an odd number >= 1");
        CliRun notANumber = CliRun.grokwatch("classify", f.toString(), "--stall-steps", "many");
        assertThat(notANumber.exitCode()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--stall-steps must be an integer, got 'many'");

        CliRun help = CliRun.grokwatch("analyze", "--help");
        assertThat(help.out())
                .contains("--grok-gap, --grok-gap-steps=STEPS")
                .contains("(default: 1000)")
                .contains("--stall-loss-rel-delta=FRACTION");
    }

    @Test
    void badLinesAreSkippedWithAWarningNamingLineAndField() throws Exception {
        List<String> lines = new ArrayList<>(grokkingLines("rec-3"));
        Path clean = write("clean.jsonl", lines);
        lines.add(3, lines.get(3).replace("\"valAcc\":", "\"valAcc\":7, \"x\":"));
        lines.add(0, "{\"type\":\"run_started\"");
        String last = lines.get(lines.size() - 1);
        lines.set(lines.size() - 1, last.substring(0, last.length() / 2)); // truncated by a crash
        Path damaged = write("damaged.jsonl", lines);

        CliRun r = CliRun.grokwatch("classify", damaged.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("grokwatch classify: warning: " + damaged + ":1: skipped: not valid JSON");
        assertThat(r.err()).contains(damaged + ":5: skipped: field 'valAcc': accuracy must be in [0,1], got 7.0");
        assertThat(r.err()).contains(damaged + ":" + lines.size() + ": skipped: not valid JSON");
        assertThat(r.err()).contains("skipped 3 bad lines of " + damaged);
        // only the truncated last record is lost
        String cleanOut = CliRun.grokwatch("classify", clean.toString()).out();
        assertThat(r.out().lines().findFirst()).isEqualTo(cleanOut.lines().findFirst());
    }

    @Test
    void printsEveryRunOfAFileWithSeveral() throws Exception {
        List<String> lines = new ArrayList<>(grokkingLines("a"));
        lines.addAll(grokkingLines("b").subList(0, 100)); // b only memorizes
        CliRun r = CliRun.grokwatch("classify", write("two.jsonl", lines).toString(), "--json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.out().lines().toList().get(1))
                .contains("\"run\":\"b\"")
                .contains("\"finalClass\":\"MEMORIZATION\"");
    }

    @Test
    void aMissingFileIsAUsageErrorAndAFileWithoutStepsAFailure() throws Exception {
        CliRun missing = CliRun.grokwatch("classify", dir.resolve("nope.jsonl").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err())
                .contains("grokwatch classify: FILE.jsonl " + dir.resolve("nope.jsonl") + ": no such file");

        CliRun empty = CliRun.grokwatch(
                "classify", write("empty.jsonl", List.of("not json")).toString());
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).contains("holds no step records (1 bad lines, 0 other records)");
    }
}
