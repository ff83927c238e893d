package io.grokwatch.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grokwatch.analyzer.detect.RunSummary;
import io.grokwatch.events.Alert;
import io.grokwatch.events.StepRecord;
import io.grokwatch.events.StructureAnalysis;
import io.grokwatch.events.Transition;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.function.Function;

/**
 * The report model as the JSON blob the page's script draws from. Series are column arrays
 * (one array per field) to keep long runs compact; non-finite numbers become {@code null}
 * (JSON has no NaN), which the charts draw as gaps.
 */
final class ReportJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final MathContext SIGNIFICANT = new MathContext(6);

    private ReportJson() {}

    static ObjectNode toTree(ReportModel m) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("run", m.run());
        root.put("task", m.task());
        root.put("model", m.model());
        root.set("config", MAPPER.valueToTree(m.config()));
        root.set("summary", summary(m));
        root.set("steps", steps(m.steps()));
        ArrayNode phases = root.putArray("phases");
        for (PhaseSpan p : m.phases()) {
            phases.addObject()
                    .put("phase", p.phase().name())
                    .put("from", p.fromStep())
                    .put("to", p.toStep());
        }
        ArrayNode transitions = root.putArray("transitions");
        for (Transition t : m.summary().transitions()) {
            transitions
                    .addObject()
                    .put("from", t.from().name())
                    .put("to", t.to().name())
                    .put("step", t.step())
                    .put("detectedStep", t.detectedStep());
        }
        ArrayNode alerts = root.putArray("alerts");
        for (Alert a : m.summary().alerts()) {
            ObjectNode o = alerts.addObject()
                    .put("kind", a.kind().name())
                    .put("step", a.step())
                    .put("detectedStep", a.detectedStep())
                    .put("message", a.message());
            number(o, "valAcc", a.valAcc());
        }
        ArrayNode snapshots = root.putArray("snapshots");
        for (SnapshotView v : m.snapshots()) {
            StructureAnalysis s = v.structure();
            ObjectNode o = snapshots
                    .addObject()
                    .put("label", v.label())
                    .put("step", v.step())
                    .put("modulus", v.modulus());
            o.set("spectrum", doubles(v.spectrum()));
            ArrayNode kf = o.putArray("keyFrequencies");
            for (int k : s.keyFrequencies()) kf.add(k);
            number(o, "fourierTopKShare", s.fourierTopKShare());
            number(o, "rqi", s.rqi());
            o.set("pcaExplained", doubles(s.pcaExplained()));
            o.set("pca2d", doubles(s.pca2d()));
            o.put("planeFrequency", v.planeFrequency());
            o.set("plane", doubles(v.plane()));
        }
        ObjectNode structure = root.putObject("structure");
        structure.set("step", column(m.structure(), s -> (double) s.step()));
        structure.set("fourierTopKShare", column(m.structure(), StructureAnalysis::fourierTopKShare));
        structure.set("rqi", column(m.structure(), StructureAnalysis::rqi));
        // The t_val forecasts the analyzer made while the run was memorized (null t_val: "never at this trend").
        ObjectNode forecast = root.putObject("forecast");
        forecast.put("budget", m.forecastBudget());
        forecast.set("step", column(m.forecasts(), f -> (double) f.step()));
        forecast.set("tVal", column(m.forecasts(), f -> f.tVal() == null ? null : (double) f.tVal()));
        forecast.set("low", column(m.forecasts(), f -> f.low() == null ? null : (double) f.low()));
        forecast.set("high", column(m.forecasts(), f -> f.high() == null ? null : (double) f.high()));
        return root;
    }

    /** The JSON text, safe to place inside a {@code <script>} element. */
    static String toScriptSafeJson(ReportModel m) {
        // "</" would end the script element early; "<\/" means the same inside JSON strings.
        return toTree(m).toString().replace("</", "<\\/").replace("<!--", "<\\!--");
    }

    private static ObjectNode summary(ReportModel m) {
        RunSummary s = m.summary();
        ObjectNode o = MAPPER.createObjectNode();
        o.put("finalClass", s.finalClass() == null ? null : s.finalClass().name());
        o.set(
                "tTrain",
                s.tTrain() == null ? MAPPER.nullNode() : MAPPER.getNodeFactory().numberNode(s.tTrain()));
        o.set(
                "tVal",
                s.tVal() == null ? MAPPER.nullNode() : MAPPER.getNodeFactory().numberNode(s.tVal()));
        o.set(
                "delay",
                s.delay() == null ? MAPPER.nullNode() : MAPPER.getNodeFactory().numberNode(s.delay()));
        o.put("lastStep", s.lastStep());
        o.put("phase", s.phase() == null ? null : s.phase().name());
        o.put("stepCount", m.stepCount());
        o.set(
                "wallMillis",
                m.wallMillis() == null
                        ? MAPPER.nullNode()
                        : MAPPER.getNodeFactory().numberNode(m.wallMillis()));
        o.put("finishReason", m.finishReason());
        return o;
    }

    private static ObjectNode steps(List<StepRecord> steps) {
        ObjectNode o = MAPPER.createObjectNode();
        o.set("step", column(steps, s -> (double) s.step()));
        o.set("trainAcc", column(steps, StepRecord::trainAcc));
        o.set("valAcc", column(steps, StepRecord::valAcc));
        o.set("trainLoss", column(steps, StepRecord::trainLoss));
        o.set("valLoss", column(steps, StepRecord::valLoss));
        if (steps.stream().anyMatch(s -> s.weightNorm() != null))
            o.set("weightNorm", column(steps, StepRecord::weightNorm));
        if (steps.stream().anyMatch(s -> s.weightDistance() != null)) {
            o.set("weightDistance", column(steps, StepRecord::weightDistance));
        }
        return o;
    }

    private static <T> ArrayNode column(List<T> rows, Function<T, Double> field) {
        ArrayNode a = MAPPER.createArrayNode();
        for (T r : rows) add(a, field.apply(r));
        return a;
    }

    private static ArrayNode doubles(double[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (double v : values) add(a, v);
        return a;
    }

    private static void add(ArrayNode a, Double v) {
        if (v == null || !Double.isFinite(v)) {
            a.addNull();
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            a.add(v.longValue());
        } else {
            // Six significant digits are far below what a chart can show and halve the page's size.
            a.add(new BigDecimal(v).round(SIGNIFICANT).doubleValue());
        }
    }

    private static void number(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) o.put(field, v);
        else o.putNull(field);
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }
}
