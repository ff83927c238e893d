package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** METRICS.md's tables name exactly the metrics the bridge registers. */
class MetricsDocTest {
    private static final Pattern TABLE_NAME = Pattern.compile("^\\| `(grokwatch_[a-z_]+)` \\|", Pattern.MULTILINE);

    @Test
    void everyRegisteredMetricIsDocumentedAndEveryDocumentedOneRegistered() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        new BridgeMetrics(registry);
        new SweepMetrics(registry);
        List<String> registered = new ArrayList<>();
        for (MetricSnapshot m : registry.scrape()) registered.add(exposedName(m));

        String doc = Files.readString(Path.of("METRICS.md"));
        List<String> documented = new ArrayList<>();
        Matcher m = TABLE_NAME.matcher(doc);
        while (m.find()) documented.add(m.group(1));

        assertThat(registered).contains("grokwatch_sweep_runs", "grokwatch_sweep_info", "grokwatch_run_info");
        assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
    }

    private static String exposedName(MetricSnapshot m) {
        String name = m.getMetadata().getPrometheusName();
        if (m instanceof CounterSnapshot) return name + "_total";
        if (m instanceof InfoSnapshot) return name + "_info";
        return name;
    }
}
