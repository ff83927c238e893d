package io.grokwatch.cli.report.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grokwatch.broker.EmbeddedKafka;
import io.grokwatch.cli.Main;
import io.grokwatch.cli.report.HeadlessChromium;
import io.grokwatch.cli.report.RenderedReport;
import io.grokwatch.cli.report.ReportTestRuns;
import io.grokwatch.events.Event;
import io.grokwatch.events.EventCodec;
import io.grokwatch.events.FinalClass;
import io.grokwatch.events.Job;
import io.grokwatch.events.StepRecord;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grokwatch report --sweep} against the embedded broker: synthetic sweeps published as a worker would,
 * the summary checked in sweep.json and the page checked in headless Chromium.
 */
class SweepReportTest {
    private static final String GRID = "sw-20261202-160000";
    private static final String WIDTH = "sw-20261202-170000";
    private static final Pattern CELL = Pattern.compile(
            "(?:<a href=\"([^\"]+)\">)?<g class=\"cell\" data-x=\"(\\d+)\" data-y=\"(\\d+)\" data-class=\"([A-Z]*)\">"
                    + "<title>[^<]*</title><rect [^>]*fill=\"(#[0-9a-f]{6})\"");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void publishSweeps() {
        kafka = EmbeddedKafka.builder().port(0).partitions(2).build().start();
        SyntheticSweep.publish(kafka.bootstrapServers(), SyntheticSweep.events(GRID, SyntheticSweep.grid(GRID)));
        SyntheticSweep.publish(kafka.bootstrapServers(), SyntheticSweep.events(WIDTH, SyntheticSweep.widths(WIDTH)));
        // a run on its own, with no sweep in its config, must stay out of every sweep
        SyntheticSweep.publish(
                kafka.bootstrapServers(), ReportTestRuns.grokking(GRID + "-999").subList(0, 300));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.close();
    }

    private int report(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        return CommandLineRun.report(out, err, all.toArray(String[]::new));
    }

    @Test
    void theGridSweepsReportHasItsClassesCellsAndRunReports() throws Exception {
        Path outDir = dir.resolve("grid");
        // no --axes: the grid's order must come back although the codec sorts the point's keys
        int code = report("--sweep", GRID, "--out", outDir.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("sweep " + GRID + ": 13 runs over weight-decay x train-fraction; comprehension 2, grokking 4,"
                        + " memorization 4, confusion 2, not started 1")
                .contains("report: " + outDir.toAbsolutePath().resolve("index.html"))
                .contains("data: " + outDir.toAbsolutePath().resolve("sweep.json"));
        assertThat(err.toString()).contains("sweep '" + GRID + "': 13 runs").contains("run reports: 12 of 12");

        JsonNode json = JSON.readTree(outDir.resolve("sweep.json").toFile());
        assertThat(json.get("sweep").asText()).isEqualTo(GRID);
        assertThat(json.get("axes").get(0).get("name").asText()).isEqualTo("weightDecay");
        assertThat(json.get("axes").get(0).get("values").toString()).isEqualTo("[0.01,0.1,1.0]");
        assertThat(json.get("axes").get(1).get("name").asText()).isEqualTo("trainFraction");
        assertThat(json.get("axes").get(1).get("values").toString()).isEqualTo("[0.3,0.6]");
        Map<String, String> classes = new HashMap<>();
        Map<String, String> tVal = new HashMap<>();
        for (JsonNode c : json.get("cells")) {
            String at = c.get("point").get("weightDecay").asText() + "/"
                    + c.get("point").get("trainFraction").asText();
            classes.put(at, c.get("class").asText());
            tVal.put(at, c.get("tVal").asText());
        }
        assertThat(classes)
                .containsEntry("0.01/0.3", "CONFUSION")
                .containsEntry("0.01/0.6", "MEMORIZATION")
                .containsEntry("0.1/0.3", "MEMORIZATION")
                .containsEntry("0.1/0.6", "GROKKING")
                .containsEntry("1.0/0.3", "GROKKING")
                .containsEntry("1.0/0.6", "COMPREHENSION");
        assertThat(tVal)
                .containsEntry("0.1/0.6", "2100")
                .containsEntry("1.0/0.3", "1600")
                .containsEntry("1.0/0.6", "325")
                .containsEntry("0.1/0.3", "null");
        List<SyntheticSweep.RunSpec> specs = SyntheticSweep.grid(GRID);
        assertThat(json.get("runs")).hasSize(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            JsonNode r = json.get("runs").get(i);
            SyntheticSweep.RunSpec spec = specs.get(i);
            assertThat(r.get("run").asText()).isEqualTo(spec.run());
            if (spec.started()) {
                assertThat(r.get("class").asText())
                        .as(spec.run())
                        .isEqualTo(spec.expected().name());
                assertThat(r.get("status").asText()).isEqualTo("completed");
                assertThat(outDir.resolve(r.get("report").asText())).isRegularFile();
            } else {
                assertThat(r.get("status").asText()).isEqualTo("missing");
                assertThat(r.get("report").isNull()).isTrue();
            }
        }

        HeadlessChromium chromium = RenderedReport.requireChromium();
        Path index = outDir.resolve("index.html");
        String dom = chromium.dumpDom(index, dir);
        String diagram = dom.substring(
                dom.indexOf("<svg id=\"phase-diagram\""), dom.indexOf("</svg>", dom.indexOf("phase-diagram")));
        Matcher m = CELL.matcher(diagram);
        Map<String, String> drawn = new HashMap<>();
        Map<FinalClass, Integer> cellsPerClass = new HashMap<>();
        while (m.find()) {
            String at = m.group(2) + "," + m.group(3);
            FinalClass c = FinalClass.valueOf(m.group(4));
            drawn.put(at, c.name());
            cellsPerClass.merge(c, 1, Integer::sum);
            assertThat(m.group(5)).as("fill of " + at).isEqualTo(SweepPage.CLASS_COLOURS.get(c));
            assertThat(m.group(1)).as("link of " + at).startsWith("runs/" + GRID + "-");
            assertThat(outDir.resolve(m.group(1))).as("link of " + at).isRegularFile();
        }
        assertThat(drawn)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "0,0", "CONFUSION",
                        "0,1", "MEMORIZATION",
                        "1,0", "MEMORIZATION",
                        "1,1", "GROKKING",
                        "2,0", "GROKKING",
                        "2,1", "COMPREHENSION"));
        assertThat(dom).contains("<svg id=\"heatmap-t-val\"").doesNotContain("<svg id=\"width-chart\"");
        for (Matcher href = Pattern.compile("href=\"(runs/[^\"]+)\"").matcher(dom); href.find(); ) {
            assertThat(outDir.resolve(href.group(1))).isRegularFile();
        }

        // the screenshot shows each class's colour over about as many cells as it has
        Path png = dir.resolve("grid.png");
        chromium.screenshot(index, png, 1400, 1600);
        BufferedImage img = ImageIO.read(png.toFile());
        for (Map.Entry<FinalClass, Integer> e : cellsPerClass.entrySet()) {
            int rgb = Integer.parseInt(SweepPage.CLASS_COLOURS.get(e.getKey()).substring(1), 16);
            assertThat(pixelsNear(img, rgb)).as(e.getKey() + " pixels").isGreaterThan(e.getValue() * 2000);
        }
    }

    @Test
    void aWidthSweepRendersValidationAccuracyAgainstWidth() throws Exception {
        Path outDir = dir.resolve("width");
        assertThat(report("--sweep", WIDTH, "--out", outDir.toString()))
                .as(err.toString())
                .isZero();

        JsonNode json = JSON.readTree(outDir.resolve("sweep.json").toFile());
        assertThat(json.get("axes")).hasSize(1);
        assertThat(json.get("axes").get(0).get("name").asText()).isEqualTo("hidden");
        assertThat(json.get("axes").get(0).get("width").asBoolean()).isTrue();
        assertThat(json.get("fixedSteps").toString()).isEqualTo("[750,1500,3000]");
        List<String> at750 = new ArrayList<>();
        for (JsonNode c : json.get("cells"))
            at750.add(c.get("valAccAt").get("750").asText());
        assertThat(at750).containsExactly("0.02", "0.02", "0.99");

        HeadlessChromium chromium = RenderedReport.requireChromium();
        Path index = outDir.resolve("index.html");
        String dom = chromium.dumpDom(index, dir);
        assertThat(dom).contains("<svg id=\"width-chart\"").contains("<svg id=\"phase-diagram\"");
        String chart = dom.substring(dom.indexOf("<svg id=\"width-chart\""));
        assertThat(chart.split("<polyline", -1).length - 1).isEqualTo(3);
        Matcher cells = CELL.matcher(dom.substring(dom.indexOf("<svg id=\"phase-diagram\"")));
        List<String> strip = new ArrayList<>();
        while (cells.find()) strip.add(cells.group(2) + "," + cells.group(3) + " " + cells.group(4));
        assertThat(strip).containsExactly("0,0 GROKKING", "1,0 GROKKING", "2,0 COMPREHENSION");
        Path png = dir.resolve("width.png");
        chromium.screenshot(index, png, 1400, 1600);
        // the 100%-of-budget line, drawn across three widths
        assertThat(pixelsNear(ImageIO.read(png.toFile()), 0x08306b)).isGreaterThan(300);
    }

    @Test
    void anUnknownSweepIsAnErrorNamingItAndTheSweepsThere() {
        assertThat(report("--sweep", "sw-nope", "--out", dir.resolve("nope").toString(), "--timeout", "20"))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("report: Kafka holds no runs or jobs of sweep 'sw-nope' (there are 2 sweeps: " + GRID + ", "
                        + WIDTH + " in ")
                .contains("check the sweep id");
        assertThat(dir.resolve("nope")).doesNotExist();
    }

    @Test
    void sweepOptionsThatDoNotFitAreUsageErrors() {
        assertThat(report("--sweep", GRID, "--run", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--sweep reports on a whole sweep; leave out --run");
        assertThat(report("--sweep", GRID, dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("missing must be a directory of .jsonl files");
        assertThat(report("--run", "x", "--out", "d")).isEqualTo(2);
        assertThat(err.toString()).contains("--out and --axes go with --sweep ID");
        assertThat(report("--sweep", GRID, "--axes", "lr,seed,hidden")).isEqualTo(2);
        assertThat(err.toString())
                .contains("--axes takes one or two settings, e.g. weight-decay,lr; got lr,seed,hidden");
    }

    @Test
    void aDirectoryOfStepFilesWithAJobsManifestIsReadLikeKafka() throws Exception {
        // as a recorded sweep under bench/runs: train --metrics-out files (steps only) plus the sweep's job lines
        Path runs = Files.createDirectories(dir.resolve("recorded"));
        List<Event> events = SyntheticSweep.events(WIDTH, SyntheticSweep.widths(WIDTH));
        List<String> jobs = new ArrayList<>();
        Map<String, List<String>> steps = new java.util.TreeMap<>();
        for (Event e : events) {
            if (e instanceof Job) jobs.add(EventCodec.encodeToString(e));
            if (e instanceof StepRecord)
                steps.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(EventCodec.encodeToString(e));
        }
        Files.write(runs.resolve("jobs.jsonl"), jobs);
        for (Map.Entry<String, List<String>> e : steps.entrySet())
            Files.write(runs.resolve(e.getKey() + ".jsonl"), e.getValue());
        Path outDir = dir.resolve("from-files");

        assertThat(CommandLineRun.report(out, err, "--sweep", WIDTH, runs.toString(), "--out", outDir.toString()))
                .as(err.toString())
                .isZero();

        JsonNode json = JSON.readTree(outDir.resolve("sweep.json").toFile());
        assertThat(json.get("axes").get(0).get("name").asText()).isEqualTo("hidden");
        List<String> classes = new ArrayList<>();
        for (JsonNode c : json.get("cells")) classes.add(c.get("class").asText());
        assertThat(classes).containsExactly("GROKKING", "GROKKING", "COMPREHENSION");
        assertThat(json.get("runs")).hasSize(6);
        assertThat(outDir.resolve("runs/" + WIDTH + "-000.html")).isRegularFile();

        assertThat(CommandLineRun.report(out, err, "--sweep", "sw-nope", runs.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("hold no runs or jobs of sweep 'sw-nope' (1 sweep: " + WIDTH + ")");
    }

    /** The command without --bootstrap-servers, for reports from files. */
    private static final class CommandLineRun {
        static int report(StringWriter out, StringWriter err, String... args) {
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            List<String> all = new ArrayList<>(List.of("report"));
            all.addAll(List.of(args));
            return cl.execute(all.toArray(String[]::new));
        }
    }

    private static int pixelsNear(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                boolean near = true;
                for (int shift = 0; shift <= 16; shift += 8) {
                    near &= Math.abs(((p >> shift) & 0xFF) - ((rgb >> shift) & 0xFF)) <= 10;
                }
                if (near) n++;
            }
        }
        return n;
    }
}
