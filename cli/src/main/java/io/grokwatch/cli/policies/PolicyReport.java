package io.grokwatch.cli.policies;

import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import io.grokwatch.events.StepRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The HTML page of a policy replay: the table, then one timeline per run (train and val accuracy over steps, t_val,
 * and where each policy stopped it), inline SVG with no script, so it renders anywhere.
 */
public final class PolicyReport {
    private PolicyReport() {}

    /** Enough points for a 900-pixel-wide curve. */
    private static final int MAX_POINTS = 900;

    private static final String[] COLOURS = {
        "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#1f77b4"
    };

    private static final int W = 900, H = 220, LEFT = 40, RIGHT = 10, TOP = 10, BOTTOM = 25;

    /** Writes the page through a temporary file in the target's directory, so no reader sees half of it. */
    public static Path write(Path file, List<RecordedRun> runs, List<PolicyResult> results, String command)
            throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".policies-", ".html.tmp");
        try {
            Files.writeString(tmp, render(runs, results, command), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    public static String render(List<RecordedRun> runs, List<PolicyResult> results, String command) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>grokwatch policies: ")
                .append(runs.size())
                .append(" runs</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}")
                .append("table{border-collapse:collapse;font-size:14px}")
                .append("th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left;white-space:nowrap}")
                .append(".key{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}")
                .append("section.run{margin-top:1.5em}h2{font-size:16px;margin:0.2em 0}")
                .append("code{font-size:13px}.muted{color:#666;font-size:13px}\n</style></head><body>\n");
        b.append("<h1>Early-stopping policies over ").append(runs.size()).append(" recorded runs</h1>\n");
        b.append("<p class=\"muted\"><code>")
                .append(esc(command))
                .append("</code><br>")
                .append(
                        "killed = stopped before t_val (the detector's, over the whole run); stopped-never = stopped and"
                                + " never reach t_val; regret = best val accuracy of the run minus val accuracy at the stop,"
                                + " averaged (analyzer/POLICIES.md).</p>\n");
        b.append("<table id=\"policy-table\">\n");
        List<List<String>> rows = PolicyTables.summaryRows(results);
        for (int i = 0; i < rows.size(); i++) {
            String cell = i == 0 ? "th" : "td";
            b.append("<tr>");
            for (int j = 0; j < rows.get(i).size(); j++) {
                b.append('<').append(cell).append('>');
                if (i > 0 && j == 0)
                    b.append("<span class=\"key\" style=\"background:")
                            .append(colour(i - 1))
                            .append("\"></span>");
                b.append(esc(rows.get(i).get(j))).append("</").append(cell).append('>');
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        for (int r = 0; r < runs.size(); r++) timeline(b, runs.get(r), r, results);
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void timeline(StringBuilder b, RecordedRun run, int index, List<PolicyResult> results) {
        List<StepRecord> steps = new ArrayList<>(run.steps());
        steps.sort(Comparator.comparingLong(StepRecord::step));
        RunOutcome any = results.isEmpty() ? null : results.get(0).runs().get(index);
        long first = steps.get(0).step();
        long last = steps.get(steps.size() - 1).step();
        double span = Math.max(1, last - first);
        b.append("<section class=\"run\" data-run=\"")
                .append(esc(run.name()))
                .append("\">\n<h2>")
                .append(esc(run.name()))
                .append("</h2>\n<p class=\"muted\">");
        if (any != null) {
            b.append(any.finalClass().name().toLowerCase(Locale.ROOT))
                    .append(", t_val ")
                    .append(any.tVal() == null ? "never" : String.valueOf(any.tVal()))
                    .append(", last step ")
                    .append(last)
                    .append(". Stops: ");
            List<String> stops = new ArrayList<>();
            for (PolicyResult p : results) {
                RunOutcome o = p.runs().get(index);
                stops.add(
                        esc(p.policy()) + " " + (o.stopped() ? "at " + o.stop().step() : "none")
                                + (o.killedGrokker() ? " (killed grokker)" : ""));
            }
            b.append(String.join("; ", stops));
        }
        b.append("</p>\n<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W)
                .append("\" height=\"")
                .append(H)
                .append("\" viewBox=\"0 0 ")
                .append(W)
                .append(' ')
                .append(H)
                .append("\">\n");
        int plotW = W - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
        b.append("<rect x=\"")
                .append(LEFT)
                .append("\" y=\"")
                .append(TOP)
                .append("\" width=\"")
                .append(plotW)
                .append("\" height=\"")
                .append(plotH)
                .append("\" fill=\"none\" stroke=\"#999\"/>\n");
        for (double acc : new double[] {0, 0.5, 1}) {
            double y = TOP + plotH * (1 - acc);
            b.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.1f</text>\n",
                    LEFT - 4,
                    y + 3,
                    acc));
        }
        b.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"10\">%d</text><text x=\"%d\" y=\"%d\" font-size=\"10\""
                        + " text-anchor=\"end\">step %d</text>\n",
                LEFT,
                H - 8,
                first,
                W - RIGHT,
                H - 8,
                last));
        int stride = Math.max(1, steps.size() / MAX_POINTS);
        for (boolean val : new boolean[] {false, true}) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < steps.size(); i += stride) {
                StepRecord s = steps.get(i);
                double x = LEFT + plotW * (s.step() - first) / span;
                double y = TOP + plotH * (1 - (val ? s.valAcc() : s.trainAcc()));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            b.append("<polyline class=\"")
                    .append(val ? "val-acc" : "train-acc")
                    .append("\" fill=\"none\" stroke=\"")
                    .append(val ? "#1f77b4" : "#aaa")
                    .append("\" stroke-width=\"1.5\" points=\"")
                    .append(pts.toString().trim())
                    .append("\"/>\n");
        }
        if (any != null && any.tVal() != null) {
            double x = LEFT + plotW * (any.tVal() - first) / span;
            b.append(String.format(
                    Locale.ROOT,
                    "<line class=\"t-val\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#1f77b4\""
                            + " stroke-dasharray=\"4 3\"><title>t_val %d</title></line>\n",
                    x,
                    x,
                    TOP,
                    TOP + plotH,
                    any.tVal()));
        }
        for (int p = 0; p < results.size(); p++) {
            RunOutcome o = results.get(p).runs().get(index);
            if (!o.stopped()) continue;
            double x = LEFT + plotW * (o.stop().step() - first) / span;
            double labelY = TOP + 10 + 11 * (p % ((plotH - 10) / 11));
            b.append(String.format(
                    Locale.ROOT,
                    "<g class=\"stop\" data-policy=\"%s\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\""
                            + " stroke=\"%s\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">%s"
                            + "</text><title>%s</title></g>\n",
                    esc(results.get(p).policy()),
                    x,
                    x,
                    TOP,
                    TOP + plotH,
                    colour(p),
                    x + 3,
                    labelY,
                    colour(p),
                    esc(results.get(p).policy()),
                    esc(o.stop().reason())));
        }
        b.append("</svg>\n</section>\n");
    }

    private static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    public static String esc(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
