package io.grokwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The shipped Grafana dashboards and the PromQL they run. */
final class Dashboards {
    /** One PromQL expression and where it comes from, for messages. */
    record Query(String dashboard, String where, String expr) {
        /** The expression with Grafana's variables replaced by concrete values. */
        String substituted(Map<String, String> variables) {
            String out = expr;
            // Longest names first, so $__rate_interval is not mistaken for a variable "$__rate".
            List<Map.Entry<String, String>> vars = new ArrayList<>(variables.entrySet());
            vars.sort((a, b) -> b.getKey().length() - a.getKey().length());
            for (Map.Entry<String, String> v : vars) {
                out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
            }
            return out;
        }

        @Override
        public String toString() {
            return dashboard + " / " + where + ": " + expr;
        }
    }

    private Dashboards() {}

    static List<Path> files() {
        return DeployFiles.list("grafana/dashboards", ".json");
    }

    /** Every panel, including those nested in rows. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            for (JsonNode inner : p.path("panels")) out.add(inner);
        }
        return out;
    }

    /** Panel targets, annotation queries: everything with an {@code expr}, blank ones included. */
    static List<Query> queries(Path file) {
        JsonNode d = DeployFiles.readJson(file);
        String name = d.path("title").asText(file.getFileName().toString());
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(d)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(
                        name,
                        "panel " + p.path("id").asText() + " \""
                                + p.path("title").asText() + "\" target "
                                + t.path("refId").asText(),
                        t.path("expr").asText("")));
            }
        }
        for (JsonNode a : d.path("annotations").path("list")) {
            if (a.has("expr"))
                out.add(new Query(
                        name,
                        "annotation \"" + a.path("name").asText() + "\"",
                        a.path("expr").asText()));
        }
        return out;
    }

    static List<Query> allQueries() {
        List<Query> out = new ArrayList<>();
        for (Path f : files()) out.addAll(queries(f));
        return out;
    }

    /** Template variables of all dashboards: (dashboard title, variable node). */
    static List<Map.Entry<String, JsonNode>> variables() {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = DeployFiles.readJson(f);
            for (JsonNode v : d.path("templating").path("list"))
                out.add(Map.entry(d.path("title").asText(), v));
        }
        return out;
    }
}
