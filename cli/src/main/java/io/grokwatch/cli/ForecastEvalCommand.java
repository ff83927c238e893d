package io.grokwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grokwatch.analyzer.detect.DetectorConfig;
import io.grokwatch.analyzer.forecast.ForecastEvaluation;
import io.grokwatch.analyzer.forecast.ForecastEvaluation.LeadSummary;
import io.grokwatch.analyzer.forecast.ForecastEvaluation.Score;
import io.grokwatch.analyzer.forecast.ForecastReplay;
import io.grokwatch.analyzer.forecast.ForecastReplay.RunForecasts;
import io.grokwatch.analyzer.forecast.ValLossForecaster;
import io.grokwatch.analyzer.policy.PolicyReplay.RecordedRun;
import io.grokwatch.events.Forecast;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grokwatch forecast-eval RUNS...}: how far the live t_val forecast was off on recorded runs. */
@Command(
        name = "forecast-eval",
        modelTransformer = DetectorFlags.class,
        description = {
            "Scores the analyzer's t_val forecast on recorded runs, offline: each run is replayed through the detector"
                    + " and the forecaster the live analyzer uses, and for each lead (the forecast made by 25%, 50%"
                    + " and 75% of the run's t_val) the relative error of the predicted t_val is printed, then per"
                    + " lead the median and the worst. A run that never reached t_val is scored at the same shares of"
                    + " its budget: did the forecast say \"not within the budget\"? How the forecast works:"
                    + " analyzer/FORECAST.md.",
            "RUNS are .jsonl files of step records, directories searched for them, Kafka topics (read from the"
                    + " beginning) or sweep ids (their runs' steps from grokwatch.metrics), as for grokwatch policies."
                    + " A run's budget is its configured steps from its run_started or job, else its last recorded step."
        })
public final class ForecastEvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunsArgs runs;

    @Option(names = "--json", description = "Print one JSON document: every score and the per-lead summary.")
    boolean json;

    @Option(
            names = "--target-val-loss",
            paramLabel = "NATS",
            description = "The val loss at which the forecast puts t_val. Default: ${DEFAULT-VALUE}")
    double targetValLoss = ValLossForecaster.Config.DEFAULT.targetValLoss();

    @Override
    public Integer call() throws Exception {
        DetectorConfig detector = DetectorFlags.config(spec);
        ValLossForecaster.Config config;
        try {
            ValLossForecaster.Config d = ValLossForecaster.Config.DEFAULT;
            config = new ValLossForecaster.Config(targetValLoss, d.recencyPower(), d.minSpanSteps());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--target-val-loss: " + e.getMessage());
        }
        List<RecordedRun> recorded = runs.read("forecast-eval");
        List<RunForecasts> forecasts = new ArrayList<>();
        for (RecordedRun r : recorded) forecasts.add(ForecastReplay.of(r, detector, config));
        List<Score> scores = ForecastEvaluation.score(forecasts);
        List<LeadSummary> summary = ForecastEvaluation.summarize(scores);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? json(forecasts, scores, summary) : text(forecasts, scores, summary));
        out.flush();
        return 0;
    }

    static String text(List<RunForecasts> runs, List<Score> scores, List<LeadSummary> summary) {
        StringBuilder b = new StringBuilder();
        int width =
                Math.max(3, runs.stream().mapToInt(r -> r.run().length()).max().orElse(3));
        b.append(String.format(
                Locale.ROOT,
                "%-" + width + "s %7s %7s %7s  %-22s %-22s %-22s%n",
                "run",
                "t_train",
                "t_val",
                "budget",
                "at 25%",
                "at 50%",
                "at 75%"));
        for (RunForecasts r : runs) {
            b.append(String.format(
                    Locale.ROOT,
                    "%-" + width + "s %7s %7s %7d ",
                    r.run(),
                    r.tTrain() == null ? "-" : r.tTrain(),
                    r.tVal() == null ? "never" : r.tVal(),
                    r.budget()));
            for (Score s : scores) {
                if (!s.run().equals(r.run())) continue;
                b.append(String.format(Locale.ROOT, " %-22s", cell(r, s)));
            }
            b.append('\n');
        }
        b.append('\n');
        b.append("lead  runs  median |error|  worst |error|  within +-25%\n");
        for (LeadSummary l : summary) {
            b.append(String.format(
                    Locale.ROOT,
                    "%3.0f%%  %4d  %14s  %13s  %d/%d%n",
                    100 * l.lead(),
                    l.runs(),
                    percent(l.medianAbsError()),
                    percent(l.worstAbsError()),
                    l.within25(),
                    l.runs()));
        }
        long never = runs.stream().filter(r -> r.tVal() == null).count();
        for (double lead : ForecastEvaluation.LEADS) {
            long said = scores.stream()
                    .filter(s -> s.lead() == lead && s.saysNotWithinBudget())
                    .filter(s -> runs.stream().anyMatch(r -> r.run().equals(s.run()) && r.tVal() == null))
                    .count();
            b.append(String.format(
                    Locale.ROOT,
                    "runs without t_val, at %.0f%% of the budget: %d of %d forecast \"not within the budget\"%n",
                    100 * lead,
                    said,
                    never));
        }
        return b.toString();
    }

    private static String cell(RunForecasts r, Score s) {
        Forecast f = s.forecast();
        if (f == null) return "no forecast yet";
        String predicted = f.tVal() == null ? "never" : Long.toString(f.tVal());
        if (r.tVal() == null) return predicted + (s.saysNotWithinBudget() ? " (not within)" : " (within!)");
        return predicted + " (" + percentSigned(s.error()) + ")";
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String percentSigned(double v) {
        return Double.isInfinite(v) ? "never" : String.format(Locale.ROOT, "%+.0f%%", 100 * v);
    }

    static String json(List<RunForecasts> runs, List<Score> scores, List<LeadSummary> summary) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ArrayNode rs = root.putArray("runs");
        for (RunForecasts r : runs) {
            ObjectNode o = rs.addObject();
            o.put("run", r.run());
            if (r.tTrain() != null) o.put("tTrain", r.tTrain());
            else o.putNull("tTrain");
            if (r.tVal() != null) o.put("tVal", r.tVal());
            else o.putNull("tVal");
            o.put("budget", r.budget());
            ArrayNode ls = o.putArray("leads");
            for (Score s : scores) {
                if (!s.run().equals(r.run())) continue;
                ObjectNode l = ls.addObject();
                l.put("lead", s.lead());
                l.put("at", s.at());
                Forecast f = s.forecast();
                if (f == null) {
                    l.putNull("forecast");
                    continue;
                }
                l.put("madeAt", f.step());
                putNullable(l, "tVal", f.tVal());
                putNullable(l, "low", f.low());
                putNullable(l, "high", f.high());
                if (r.tVal() != null && Double.isFinite(s.error())) l.put("relativeError", s.error());
                else l.putNull("relativeError");
                l.put("withinBudget", f.withinBudget());
            }
        }
        ArrayNode ss = root.putArray("summary");
        for (LeadSummary l : summary) {
            ObjectNode o = ss.addObject();
            o.put("lead", l.lead());
            o.put("runs", l.runs());
            o.put("medianAbsError", Double.isFinite(l.medianAbsError()) ? l.medianAbsError() : null);
            o.put("worstAbsError", Double.isFinite(l.worstAbsError()) ? l.worstAbsError() : null);
            o.put("within25", l.within25());
        }
        return root.toPrettyString() + "\n";
    }

    private static void putNullable(ObjectNode o, String field, Long v) {
        if (v == null) o.putNull(field);
        else o.put(field, v);
    }
}
