package io.grokwatch.cli.report.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A sweep summary as {@code sweep.json}, for notebooks: the axes, one object per cell (with its runs' ids) and
 * one per run, with the same numbers the page shows. Absent steps and accuracies are {@code null}.
 */
final class SweepJson {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private SweepJson() {}

    static ObjectNode toTree(SweepSummary s, Instant generated, Map<String, Object> detector) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("sweep", s.sweep());
        root.put("generated", generated.toString());
        root.put("budget", s.budget());
        ArrayNode fixed = root.putArray("fixedSteps");
        s.fixedSteps().forEach(fixed::add);
        ArrayNode axes = root.putArray("axes");
        for (Axis a : s.axes()) {
            ObjectNode o = axes.addObject()
                    .put("name", a.name())
                    .put("label", a.label())
                    .put("width", a.isWidth());
            o.set("values", MAPPER.valueToTree(a.values()));
        }
        ArrayNode aggregated = root.putArray("aggregated");
        s.aggregated().forEach(aggregated::add);
        root.set("detector", MAPPER.valueToTree(detector));
        ObjectNode counts = root.putObject("classCounts");
        s.classCounts().forEach((c, n) -> counts.put(c.name(), n));
        ArrayNode cells = root.putArray("cells");
        for (Cell c : s.cells()) {
            ObjectNode o = cells.addObject().put("x", c.x()).put("y", c.y());
            ObjectNode at = o.putObject("point");
            for (int i = 0; i < s.axes().size(); i++) {
                Axis a = s.axes().get(i);
                at.set(a.name(), MAPPER.valueToTree(a.values().get(i == 0 ? c.x() : c.y())));
            }
            o.put("class", c.majority() == null ? null : c.majority().name());
            o.put("majorityCount", c.majorityCount());
            o.put("classified", c.classified());
            median(o, "tTrain", c.tTrain());
            median(o, "tVal", c.tVal());
            median(o, "delay", c.delay());
            ObjectNode acc = o.putObject("valAccAt");
            c.valAccAt().forEach((step, v) -> acc.put(String.valueOf(step), v));
            ArrayNode runs = o.putArray("runs");
            c.runs().forEach(r -> runs.add(r.run()));
        }
        ArrayNode runs = root.putArray("runs");
        for (SweepRun r : s.runs()) {
            ObjectNode o = runs.addObject().put("run", r.run());
            o.set("point", MAPPER.valueToTree(r.point()));
            if (r.seed() == null) o.putNull("seed");
            else o.put("seed", r.seed());
            o.put("status", r.status());
            o.put("class", r.finalClass() == null ? null : r.finalClass().name());
            longOrNull(o, "tTrain", r.tTrain());
            longOrNull(o, "tVal", r.tVal());
            longOrNull(o, "delay", r.delay());
            o.put("lastStep", r.lastStep());
            if (r.finalValAcc() == null || !Double.isFinite(r.finalValAcc())) o.putNull("finalValAcc");
            else o.put("finalValAcc", r.finalValAcc());
            ObjectNode acc = o.putObject("valAccAt");
            r.valAccAt().forEach((step, v) -> acc.put(String.valueOf(step), v));
            o.put("report", r.report());
        }
        return root;
    }

    static String toJson(SweepSummary s, Instant generated, Map<String, Object> detector) {
        return toTree(s, generated, detector).toPrettyString() + "\n";
    }

    private static void median(ObjectNode o, String field, Cell.Median m) {
        longOrNull(o, field, m.value());
        o.put(field + "Reached", m.reached());
    }

    private static void longOrNull(ObjectNode o, String field, Long v) {
        if (v == null) o.putNull(field);
        else o.put(field, v);
    }
}
