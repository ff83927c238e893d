package io.grokwatch.analyzer.policy;

import io.grokwatch.analyzer.forecast.ValLossForecaster;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one parser of policy specs, for the live analyzer's {@code --auto-stop} and for {@code grokwatch policies},
 * and the table of kinds analyzer/POLICIES.md is made from.
 *
 * <pre>{@code
 * ReplayPolicy p = PolicySpecs.parse("patience:val_loss:500:0.001");
 * String docs = PolicySpecs.markdown(); // the table in analyzer/POLICIES.md
 * }</pre>
 *
 * <p>A spec is {@code KIND:P1:P2...} (parameters after the kind, optional ones from the right), or one of the older
 * forms {@code grokked+N}, {@code memorized+N}, {@code steps=N}. Errors name the spec and the parameter.
 */
public final class PolicySpecs {
    private PolicySpecs() {}

    /**
     * One kind of policy.
     *
     * @param name what a spec starts with
     * @param synopsis the spec's form, optional parameters in brackets
     * @param defaults the optional parameters' defaults, as a spec would spell them ("" when none)
     * @param live true when the live analyzer can run it (a {@link PerRunPolicy}: one run's history)
     * @param doc what it does, one paragraph
     */
    public record Kind(
            String name,
            String synopsis,
            String defaults,
            boolean live,
            String doc,
            BiFunction<String, String[], ReplayPolicy> parser) {}

    /** Every kind the parser knows, in the docs' order. */
    public static final List<Kind> KINDS = List.of(
            new Kind(
                    "patience",
                    "patience:METRIC:N[:MIN_DELTA]",
                    "MIN_DELTA 0",
                    true,
                    "Keras EarlyStopping. METRIC val_loss or train_loss (mode min), val_acc or train_acc (mode max). An"
                            + " evaluation improves when it beats the best so far by more than MIN_DELTA; stops at the"
                            + " first evaluation without improvement once N steps have passed since the last improvement;"
                            + " `Ne` (e.g. `10e`) counts N evaluations without improvement instead (Keras's epochs)."
                            + " Never at the first evaluation. Reports the last improvement's step (restore-best).",
                    PolicySpecs::patience),
            new Kind(
                    "budget",
                    "budget:N",
                    "",
                    true,
                    "A fixed budget: stops at the first evaluation at or past step N. A run shorter than N is not"
                            + " stopped. `steps=N` is the same.",
                    (spec, p) -> new StopPolicies.AtStep(spec, count(spec, "N", p[0]))),
            new Kind(
                    "threshold",
                    "threshold:METRIC:VALUE",
                    "",
                    true,
                    "Stops at the first evaluation at which METRIC crosses VALUE: at or above it for accuracies, at or"
                            + " below it for losses (e.g. `threshold:val_acc:0.99`, done when solved).",
                    (spec, p) -> new StopPolicies.Threshold(spec, Metric.parse(spec, p[0]), real(spec, "VALUE", p[1]))),
            new Kind(
                    "median",
                    "median[:METRIC[:GRACE[:MIN_RUNS]]]",
                    "METRIC val_acc, GRACE 1000, MIN_RUNS 3",
                    true,
                    "Across the runs, the median stopping rule (Google Vizier): at an evaluation at step t >= GRACE, stops"
                            + " a run whose best METRIC so far is strictly worse than the median of the other runs' running"
                            + " averages of METRIC up to t, once MIN_RUNS other runs have evaluations. Stopped and ended"
                            + " runs count with what they had; a tie with the median does not stop.",
                    PolicySpecs::median),
            new Kind(
                    "asha",
                    "asha[:METRIC[:R[:ETA]]]",
                    "METRIC val_acc, R 1000, ETA 3",
                    true,
                    "Across the runs, asynchronous successive halving (Li et al. 2018; Optuna's SuccessiveHalvingPruner,"
                            + " Ray Tune's ASHA): rungs at R, R*ETA, R*ETA^2 ... steps; a run reaching a rung (its first"
                            + " evaluation at or past it) goes on only if its METRIC there is in the top max(1, floor(n/ETA))"
                            + " of the n values recorded at that rung so far (ties with the cut-off go on).",
                    PolicySpecs::asha),
            new Kind(
                    "grok-aware",
                    "grok-aware[:N[:WINDOW]]",
                    "N 1000, WINDOW 500",
                    true,
                    "Patience on val loss with N steps, but never while the detector says MEMORIZED and val loss is"
                            + " falling or the weight norm is shrinking (least-squares slope < 0 over the last WINDOW"
                            + " steps) or train loss still falls by more than a decade per 1,000 steps (still"
                            + " memorizing), nor while it says GENERALIZING (val accuracy rising off its plateau). Also stops a memorized run once the"
                            + " t_val forecast has put even its earliest t_val past the run's budget for 5% of the budget in a"
                            + " row, from 5 x max(t_train, val loss's peak) on.",
                    PolicySpecs::grokAware),
            new Kind(
                    "grokked",
                    "grokked+N",
                    "",
                    true,
                    "Stops N steps after t_val, the detector's step at which val accuracy reached its threshold (grokked"
                            + " or comprehended): the stop once the job is done.",
                    (spec, p) -> new StopPolicies.AfterGeneralized(spec, count(spec, "N", p[0]))),
            new Kind(
                    "memorized",
                    "memorized+N",
                    "",
                    true,
                    "Stops N steps after t_train, the detector's step at which train accuracy reached its threshold: the"
                            + " naive early stopping that kills a grokking run on its plateau.",
                    (spec, p) -> new StopPolicies.AfterMemorized(spec, count(spec, "N", p[0]))),
            new Kind(
                    "steps",
                    "steps=N",
                    "",
                    true,
                    "The same as `budget:N`.",
                    (spec, p) -> new StopPolicies.AtStep(spec, count(spec, "N", p[0]))));

    private static final Pattern OLD_FORM = Pattern.compile("(grokked|memorized)\\+(.*)|(steps)=(.*)");

    /** Parses a spec of any kind; errors name the spec and, where it is one, the parameter. */
    public static ReplayPolicy parse(String spec) {
        if (spec == null || spec.isBlank())
            throw new IllegalArgumentException("a policy spec is required; expected " + synopses());
        String s = spec.trim();
        Matcher old = OLD_FORM.matcher(s);
        if (old.matches()) {
            String kind = old.group(1) != null ? old.group(1) : old.group(3);
            String n = old.group(1) != null ? old.group(2) : old.group(4);
            return kind(kind).parser().apply(s, new String[] {n});
        }
        String[] parts = s.split(":", -1);
        Kind kind = KINDS.stream()
                .filter(k -> k.name().equals(parts[0])
                        && !OLD_FORM.matcher(k.synopsis()).matches())
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("policy '" + s + "' is not understood; expected " + synopses()));
        String[] params = Arrays.copyOfRange(parts, 1, parts.length);
        int required = required(kind.synopsis());
        int max = kind.synopsis().split(":", -1).length - 1;
        if (params.length < required || params.length > max) {
            throw new IllegalArgumentException("policy '" + s + "' has " + params.length + " parameter"
                    + (params.length == 1 ? "" : "s") + "; expected " + kind.synopsis());
        }
        return kind.parser().apply(s, params);
    }

    /**
     * Parses a spec for the live analyzer's {@code --auto-stop}: a policy per run ({@link PerRunPolicy}) or across
     * the runs of a sweep ({@link AcrossRunPolicy}), whose state the analyzer keeps in its changelog. Errors name the
     * spec.
     */
    public static ReplayPolicy parseLive(String spec) {
        ReplayPolicy p = parse(spec);
        if (p instanceof PerRunPolicy || p instanceof AcrossRunPolicy) return p;
        throw new IllegalArgumentException("policy '" + spec.trim() + "' cannot run live; live it runs " + live()
                + "; replay this one over recorded runs with grokwatch policies");
    }

    /** The kinds the live analyzer can run, as their synopses. */
    public static String live() {
        return KINDS.stream().filter(Kind::live).map(Kind::synopsis).collect(Collectors.joining(", "));
    }

    /** The kinds without history ({@link StopPolicy}), as their synopses. */
    static String stateless() {
        return KINDS.stream()
                .filter(k -> List.of("budget", "threshold", "grokked", "memorized", "steps")
                        .contains(k.name()))
                .map(Kind::synopsis)
                .collect(Collectors.joining(", "));
    }

    /** The table of kinds in analyzer/POLICIES.md. */
    public static String markdown() {
        StringBuilder b = new StringBuilder("| spec | defaults | live | what it does |\n|---|---|---|---|\n");
        for (Kind k : KINDS) {
            b.append("| `")
                    .append(k.synopsis())
                    .append("` | ")
                    .append(k.defaults().isEmpty() ? "-" : k.defaults())
                    .append(" | ")
                    .append(!k.live() ? "replay only" : k.doc().startsWith("Across the runs") ? "per sweep" : "yes")
                    .append(" | ")
                    .append(k.doc())
                    .append(" |\n");
        }
        return b.toString();
    }

    private static Kind kind(String name) {
        return KINDS.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }

    private static String synopses() {
        return KINDS.stream().map(Kind::synopsis).collect(Collectors.joining(", "));
    }

    /** Parameters before the first '[' (the kind itself not counted). */
    private static int required(String synopsis) {
        int open = synopsis.indexOf('[');
        String head = open < 0 ? synopsis : synopsis.substring(0, open);
        return head.split(":", -1).length - 1;
    }

    private static ReplayPolicy patience(String spec, String[] p) {
        Metric m = Metric.parse(spec, p[0]);
        boolean evaluations = p[1].endsWith("e");
        long n = count(spec, "N", evaluations ? p[1].substring(0, p[1].length() - 1) : p[1]);
        double minDelta = p.length > 2 ? real(spec, "MIN_DELTA", p[2]) : 0;
        if (minDelta < 0)
            throw new IllegalArgumentException("policy '" + spec + "': MIN_DELTA='" + p[2] + "' is negative");
        return new Patience(spec, m, n, evaluations, minDelta);
    }

    private static ReplayPolicy median(String spec, String[] p) {
        Metric m = p.length > 0 ? Metric.parse(spec, p[0]) : Metric.VAL_ACC;
        long grace = p.length > 1 ? count(spec, "GRACE", p[1]) : 1000;
        long minRuns = p.length > 2 ? count(spec, "MIN_RUNS", p[2]) : 3;
        if (minRuns < 1 || minRuns > Integer.MAX_VALUE)
            throw new IllegalArgumentException("policy '" + spec + "': MIN_RUNS='" + p[2] + "' must be >= 1");
        return new MedianStopping(spec, m, grace, (int) minRuns);
    }

    private static ReplayPolicy asha(String spec, String[] p) {
        Metric m = p.length > 0 ? Metric.parse(spec, p[0]) : Metric.VAL_ACC;
        long r = p.length > 1 ? count(spec, "R", p[1]) : 1000;
        long eta = p.length > 2 ? count(spec, "ETA", p[2]) : 3;
        if (r < 1) throw new IllegalArgumentException("policy '" + spec + "': R='" + p[1] + "' must be >= 1");
        if (eta < 2) throw new IllegalArgumentException("policy '" + spec + "': ETA='" + p[2] + "' must be >= 2");
        return new SuccessiveHalving(spec, m, r, eta);
    }

    private static ReplayPolicy grokAware(String spec, String[] p) {
        long n = p.length > 0 ? count(spec, "N", p[0]) : 1000;
        long window = p.length > 1 ? count(spec, "WINDOW", p[1]) : 500;
        if (window < 1) throw new IllegalArgumentException("policy '" + spec + "': WINDOW='" + p[1] + "' must be >= 1");
        return new GrokAware(spec, n, window, GrokForecast.valLoss(ValLossForecaster.Config.DEFAULT));
    }

    /** A non-negative integer parameter. */
    static long count(String spec, String name, String value) {
        try {
            long v = Long.parseLong(value);
            if (v >= 0) return v;
        } catch (NumberFormatException ignored) {
            // reported below with the spec
        }
        throw new IllegalArgumentException(
                "policy '" + spec + "': " + name + "='" + value + "' is not a non-negative integer");
    }

    /** A finite number parameter. */
    static double real(String spec, String name, String value) {
        try {
            double v = Double.parseDouble(value);
            if (Double.isFinite(v)) return v;
        } catch (NumberFormatException ignored) {
            // reported below with the spec
        }
        throw new IllegalArgumentException("policy '" + spec + "': " + name + "='" + value + "' is not a number");
    }
}
