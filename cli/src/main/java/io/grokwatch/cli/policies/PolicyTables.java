package io.grokwatch.cli.policies;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grokwatch.analyzer.policy.PolicyReplay.PolicyResult;
import io.grokwatch.analyzer.policy.PolicyReplay.RunOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The policy table as plain text, CSV (one row per policy and run) and JSON (summaries with their runs). */
public final class PolicyTables {
    private PolicyTables() {}

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static final List<String> CSV_COLUMNS = List.of(
            "policy",
            "run",
            "stopped",
            "stop_step",
            "restore_step",
            "first_step",
            "last_step",
            "steps_saved",
            "t_val",
            "final_class",
            "killed_grokker",
            "stopped_non_grokker",
            "val_acc_at_stop",
            "val_acc_at_restore",
            "val_acc_at_end",
            "best_val_acc",
            "best_step",
            "regret",
            "regret_restored",
            "reason");

    /** The header and one row per policy, columns aligned. */
    public static List<List<String>> summaryRows(List<PolicyResult> results) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(
                "policy",
                "stopped",
                "killed",
                "stopped-never",
                "saved",
                "saved %",
                "saved-never %",
                "acc@stop",
                "acc@end",
                "regret",
                "regret-restored"));
        for (PolicyResult r : results) {
            rows.add(List.of(
                    r.policy(),
                    r.stopped() + "/" + r.runs().size(),
                    String.valueOf(r.killedGrokkers()),
                    r.stoppedNonGrokkers() + " of " + r.nonGrokkers(),
                    String.valueOf(r.stepsSaved()),
                    fixed(r.stepsSavedPercent(), 1),
                    r.nonGrokkers() == 0 ? "-" : fixed(r.stepsSavedOnNonGrokkersPercent(), 1),
                    fixed(r.meanValAccAtStop(), 3),
                    fixed(r.meanValAccAtEnd(), 3),
                    fixed(r.meanRegret(), 3),
                    fixed(r.meanRegretRestored(), 3)));
        }
        return rows;
    }

    public static String text(List<PolicyResult> results, int runs, long stepsRun) {
        List<List<String>> rows = summaryRows(results);
        int[] width = new int[rows.get(0).size()];
        for (List<String> row : rows)
            for (int i = 0; i < row.size(); i++)
                width[i] = Math.max(width[i], row.get(i).length());
        StringBuilder b = new StringBuilder();
        b.append(runs)
                .append(" run")
                .append(runs == 1 ? "" : "s")
                .append(", ")
                .append(stepsRun)
                .append(" steps run; killed = stopped before t_val, stopped-never = stopped and never reach t_val;")
                .append(" regret = best val acc - val acc at the stop (analyzer/POLICIES.md)\n");
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                if (i == 0) b.append(cell).append(" ".repeat(width[i] - cell.length()));
                else b.append("  ").append(" ".repeat(width[i] - cell.length())).append(cell);
            }
            b.append('\n');
        }
        return b.toString();
    }

    public static String csv(List<PolicyResult> results) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (PolicyResult r : results) {
            for (RunOutcome o : r.runs()) {
                List<String> cells = List.of(
                        r.policy(),
                        o.run(),
                        String.valueOf(o.stopped()),
                        o.stopped() ? String.valueOf(o.stop().step()) : "",
                        o.stopped() && o.stop().restoreStep() != null
                                ? String.valueOf(o.stop().restoreStep())
                                : "",
                        String.valueOf(o.firstStep()),
                        String.valueOf(o.lastStep()),
                        String.valueOf(o.stepsSaved()),
                        o.tVal() == null ? "" : String.valueOf(o.tVal()),
                        o.finalClass().name(),
                        String.valueOf(o.killedGrokker()),
                        String.valueOf(o.stoppedNonGrokker()),
                        String.valueOf(o.valAccAtStop()),
                        String.valueOf(o.valAccAtRestore()),
                        String.valueOf(o.valAccAtEnd()),
                        String.valueOf(o.bestValAcc()),
                        String.valueOf(o.bestStep()),
                        String.valueOf(o.regret()),
                        String.valueOf(o.regretRestored()),
                        o.stopped() ? o.stop().reason() : "");
                for (int i = 0; i < cells.size(); i++) {
                    if (i > 0) b.append(',');
                    b.append(csvCell(cells.get(i)));
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
    public static String csvCell(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    public static ObjectNode json(List<PolicyResult> results) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode policies = root.putArray("policies");
        for (PolicyResult r : results) {
            ObjectNode p = policies.addObject();
            p.put("policy", r.policy());
            p.put("runs", r.runs().size());
            p.put("stopped", r.stopped());
            p.put("killedGrokkers", r.killedGrokkers());
            p.put("stoppedNonGrokkers", r.stoppedNonGrokkers());
            p.put("nonGrokkers", r.nonGrokkers());
            p.put("stepsRun", r.stepsRun());
            p.put("stepsSaved", r.stepsSaved());
            p.put("stepsSavedPercent", r.stepsSavedPercent());
            p.put("stepsSavedOnNonGrokkersPercent", r.stepsSavedOnNonGrokkersPercent());
            p.put("meanValAccAtStop", r.meanValAccAtStop());
            p.put("meanValAccAtEnd", r.meanValAccAtEnd());
            p.put("meanRegret", r.meanRegret());
            p.put("meanRegretRestored", r.meanRegretRestored());
            ArrayNode runs = p.putArray("outcomes");
            for (RunOutcome o : r.runs()) {
                ObjectNode n = runs.addObject();
                n.put("run", o.run());
                n.put("stopped", o.stopped());
                n.put("stopStep", o.stopped() ? o.stop().step() : null);
                n.put("restoreStep", o.stopped() ? o.stop().restoreStep() : null);
                n.put("reason", o.stopped() ? o.stop().reason() : null);
                n.put("firstStep", o.firstStep());
                n.put("lastStep", o.lastStep());
                n.put("stepsSaved", o.stepsSaved());
                n.put("tVal", o.tVal());
                n.put("finalClass", o.finalClass().name());
                n.put("killedGrokker", o.killedGrokker());
                n.put("stoppedNonGrokker", o.stoppedNonGrokker());
                n.put("valAccAtStop", o.valAccAtStop());
                n.put("valAccAtRestore", o.valAccAtRestore());
                n.put("valAccAtEnd", o.valAccAtEnd());
                n.put("bestValAcc", o.bestValAcc());
                n.put("bestStep", o.bestStep());
                n.put("regret", o.regret());
                n.put("regretRestored", o.regretRestored());
            }
        }
        return root;
    }

    public static String jsonText(List<PolicyResult> results)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(results));
    }

    public static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
