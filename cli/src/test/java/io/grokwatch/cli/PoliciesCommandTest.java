package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.policy.PolicyReplay;
import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.ReplayPolicy;
import io.grokwatch.cli.policies.JsonlRunSource;
import io.grokwatch.cli.report.HeadlessChromium;
import io.grokwatch.cli.report.RenderedReport;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoliciesCommandTest {
    @TempDir
    Path dir;

    /** Train fits by ~280, val stays at chance and val loss climbs: never groks. */
    static List<String> memorizingLines(String run, long last) {
        List<String> lines = new ArrayList<>();
        for (long s = 0; s <= last; s += 10) {
            double tr = 0.02 + 0.98 / (1 + Math.exp(-(s - 200) / 25.0));
            lines.add(EventCodec.encodeToString(StepRecord.of(run, s, 4 * (1 - tr) + 1e-3, tr, 6 + s / 2000.0, 0.05)));
        }
        return lines;
    }

    /** Three runs: a grokker at the top, a memorizer and a second run with the grokker's id in a subdirectory. */
    private Path sweep() throws Exception {
        Path runs = dir.resolve("runs");
        Files.createDirectories(runs.resolve("sub"));
        Files.write(runs.resolve("g.jsonl"), ClassifyCommandTest.grokkingLines("seed0"));
        Files.write(runs.resolve("sub/m.jsonl"), memorizingLines("mem", 6000));
        List<String> again =
                new ArrayList<>(ClassifyCommandTest.grokkingLines("seed0").subList(0, 301));
        Files.write(runs.resolve("sub/g2.jsonl"), again); // ends at 3000, before it groks
        return runs;
    }

    private static List<PolicyResult> expected(Path runs, List<String> specs) throws Exception {
        return PolicyReplay.replay(
                new JsonlRunSource(List.of(runs)).read(),
                specs.stream().map(ReplayPolicy::parse).toList(),
                DetectorConfig.defaults());
    }

    @Test
    void theTableHasARowPerDefaultPolicyWithItsFigures() throws Exception {
        Path runs = sweep();
        CliRun r = CliRun.grokwatch("policies", runs.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("3 runs, 15000 steps run;");
        assertThat(lines.get(1)).startsWith("policy").contains("killed").contains("regret-restored");
        assertThat(lines).hasSize(2 + PoliciesCommand.DEFAULT_POLICIES.size());
        List<PolicyResult> expected = expected(runs, PoliciesCommand.DEFAULT_POLICIES);
        for (int i = 0; i < expected.size(); i++) {
            PolicyResult p = expected.get(i);
            assertThat(lines.get(2 + i).split(" +"))
                    .startsWith(
                            p.policy(),
                            p.stopped() + "/3",
                            String.valueOf(p.killedGrokkers()),
                            p.stoppedNonGrokkers() + "",
                            "of",
                            "2", // the memorizer and the copy that ends at 3000, before it groks
                            String.valueOf(p.stepsSaved()));
        }
        // the two seed0 runs are named by file, the memorizer by its id
        CliRun json = CliRun.grokwatch("policies", runs.toString(), "--json", "--policy", "budget:2000");
        JsonNode outcomes = JsonMapper.builder()
                .build()
                .readTree(json.out())
                .get("policies")
                .get(0)
                .get("outcomes");
        assertThat(List.of(
                        outcomes.get(0).get("run").asText(),
                        outcomes.get(1).get("run").asText(),
                        outcomes.get(2).get("run").asText()))
                .containsExactly("g.jsonl:seed0", "sub/g2.jsonl:seed0", "mem");
    }

    @Test
    void jsonAndCsvParseBackToTheSameFigures() throws Exception {
        Path runs = sweep();
        List<String> specs = List.of("memorized+500", "budget:4000", "grok-aware:500", "median:val_acc:500:1");
        List<String> args = new ArrayList<>(List.of("policies", runs.toString()));
        for (String s : specs) args.addAll(List.of("--policy", s));
        List<PolicyResult> expected = expected(runs, specs);

        args.add("--json");
        CliRun json = CliRun.grokwatch(args.toArray(String[]::new));
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode policies = JsonMapper.builder().build().readTree(json.out()).get("policies");
        assertThat(policies).hasSize(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            JsonNode p = policies.get(i);
            PolicyResult e = expected.get(i);
            assertThat(p.get("policy").asText()).isEqualTo(specs.get(i));
            assertThat(p.get("killedGrokkers").asLong()).isEqualTo(e.killedGrokkers());
            assertThat(p.get("stoppedNonGrokkers").asLong()).isEqualTo(e.stoppedNonGrokkers());
            assertThat(p.get("stepsSaved").asLong()).isEqualTo(e.stepsSaved());
            assertThat(p.get("meanRegret").asDouble()).isEqualTo(e.meanRegret());
            assertThat(p.get("outcomes")).hasSize(3);
        }
        // the naive rule kills the grokker that runs to 6000
        assertThat(policies.get(0).get("outcomes").get(0).get("killedGrokker").asBoolean())
                .isTrue();

        args.set(args.size() - 1, "--csv");
        CliRun csv = CliRun.grokwatch(args.toArray(String[]::new));
        assertThat(csv.exitCode()).as(csv.err()).isZero();
        List<Map<String, String>> rows = parseCsv(csv.out());
        assertThat(rows).hasSize(specs.size() * 3);
        for (int i = 0; i < specs.size(); i++) {
            String spec = specs.get(i);
            List<Map<String, String>> mine =
                    rows.stream().filter(row -> row.get("policy").equals(spec)).toList();
            assertThat(mine).hasSize(3);
            assertThat(mine.stream()
                            .filter(row -> row.get("killed_grokker").equals("true"))
                            .count())
                    .isEqualTo(expected.get(i).killedGrokkers());
            assertThat(mine.stream()
                            .mapToLong(row -> Long.parseLong(row.get("steps_saved")))
                            .sum())
                    .isEqualTo(expected.get(i).stepsSaved());
            for (Map<String, String> row : mine) {
                if (row.get("stopped").equals("true"))
                    assertThat(row.get("reason")).startsWith("policy " + spec);
            }
        }
    }

    @Test
    void theReportRendersTheTableAndOneTimelinePerRunInChromium() throws Exception {
        HeadlessChromium chromium = RenderedReport.requireChromium();
        Path runs = sweep();
        Path html = dir.resolve("out/policies.html");
        CliRun r = CliRun.grokwatch(
                "policies",
                runs.toString(),
                "--policy",
                "memorized+500",
                "--policy",
                "budget:4000",
                "--report",
                html.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("report written to " + html.toAbsolutePath());
        assertThat(Files.list(html.getParent()).map(p -> p.getFileName().toString()))
                .containsExactly("policies.html");

        String dom = chromium.dumpDom(html, dir);
        String table = dom.substring(dom.indexOf("<table id=\"policy-table\">"), dom.indexOf("</table>"));
        assertThat(count(table, "<tr>")).isEqualTo(3);
        assertThat(table).contains("memorized+500").contains("budget:4000");
        assertThat(count(dom, "<svg class=\"timeline\"")).isEqualTo(3);
        assertThat(count(dom, "class=\"val-acc\"")).isEqualTo(3);
        // memorized+500 stops all three runs, budget:4000 the two that run past 4000
        assertThat(count(dom, "<g class=\"stop\" data-policy=\"memorized+500\""))
                .isEqualTo(3);
        assertThat(count(dom, "<g class=\"stop\" data-policy=\"budget:4000\"")).isEqualTo(2);
        assertThat(dom).contains("data-run=\"sub/g2.jsonl:seed0\"").contains("(killed grokker)");
        assertThat(dom).contains("<code>grokwatch policies " + runs + " --policy memorized+500");

        Path png = dir.resolve("policies.png");
        chromium.screenshot(html, png, 1000, 900);
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void aBadLineIsAUsageErrorNamingFileAndLineAndWritesNoReport() throws Exception {
        Path runs = sweep();
        Path bad = runs.resolve("sub/m.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(bad));
        lines.set(4, lines.get(4).replace("\"valAcc\":", "\"valAcc\":7, \"x\":"));
        Files.write(bad, lines);
        Path html = dir.resolve("never.html");

        CliRun r = CliRun.grokwatch("policies", runs.toString(), "--report", html.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err())
                .startsWith("grokwatch policies: " + bad + ":5: field 'valAcc': accuracy must be in [0,1], got 7.0");
        assertThat(html).doesNotExist();
    }

    @Test
    void otherBadInputsAreUsageErrors() throws Exception {
        Path runs = sweep();
        CliRun missing = CliRun.grokwatch("policies", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err())
                .startsWith("grokwatch policies: " + dir.resolve("nope") + ": no such file or directory");

        Files.createDirectories(dir.resolve("empty"));
        CliRun empty = CliRun.grokwatch("policies", dir.resolve("empty").toString());
        assertThat(empty.err()).startsWith("grokwatch policies: " + dir.resolve("empty") + ": holds no .jsonl files");

        Path noSteps = Files.writeString(dir.resolve("x.jsonl"), "");
        CliRun none = CliRun.grokwatch("policies", noSteps.toString());
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).startsWith("grokwatch policies: " + noSteps + ": holds no step records");

        CliRun policy = CliRun.grokwatch("policies", runs.toString(), "--policy", "patience:val_loss");
        assertThat(policy.exitCode()).isEqualTo(2);
        assertThat(policy.err())
                .startsWith("grokwatch policies: --policy: policy 'patience:val_loss' has 1 parameter; expected"
                        + " patience:METRIC:N[:MIN_DELTA]");

        CliRun both = CliRun.grokwatch("policies", runs.toString(), "--json", "--csv");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");

        CliRun twice = CliRun.grokwatch(
                "policies",
                runs.resolve("g.jsonl").toString(),
                runs.resolve("g.jsonl").toString());
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("run seed0 is given twice");

        CliRun flags = CliRun.grokwatch("policies", runs.toString(), "--smoothing-window", "4");
        assertThat(flags.exitCode()).isEqualTo(2);
        assertThat(flags.err()).contains("smoothingWindow=4: must be an odd number >= 1");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    /** RFC 4180 with a header row: quoted fields, doubled quotes. */
    static List<Map<String, String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') quoted = false;
                else cell.append(c);
            } else if (c == '"') quoted = true;
            else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                records.add(row);
                row = new ArrayList<>();
            } else cell.append(c);
        }
        List<String> header = records.get(0);
        List<Map<String, String>> out = new ArrayList<>();
        for (List<String> r : records.subList(1, records.size())) {
            assertThat(r).as("a CSV row").hasSize(header.size());
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < header.size(); i++) m.put(header.get(i), r.get(i));
            out.add(m);
        }
        return out;
    }
}
