package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grokwatch.analyzer.kafka.AnalyzerService;
import io.grokwatch.bridge.MetricsBridge;
import io.grokwatch.broker.EmbeddedKafka;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A small {@code grokwatch loadgen} through a real analyzer and bridge: every transition once, nothing left behind. */
class LoadgenCommandTest {

    @Test
    void everyExpectedTransitionArrivesOnceAndBothGroupsCatchUp() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(2).build().start()) {
            Properties props = new Properties();
            props.put("bootstrap.servers", kafka.bootstrapServers());
            try (AnalyzerService analyzer = AnalyzerService.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .build()
                            .start();
                    MetricsBridge bridge = MetricsBridge.builder()
                            .kafkaProperties(props)
                            .port(0)
                            .build()
                            .start()) {
                CliRun r = CliRun.grokwatch(
                        "loadgen",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--runs",
                        "40",
                        "--rate",
                        "4000",
                        "--seconds",
                        "3",
                        "--evaluations",
                        "200",
                        "--warmup-seconds",
                        "1",
                        "--bridge-url",
                        "http://127.0.0.1:" + bridge.port() + "/metrics");
                assertThat(r.exitCode()).as(r.err()).isZero();
                // 12,000 records: two waves of 40 runs x 200, the second cut at 12,000 - 8,000 = 4,000
                assertThat(r.out()).contains("| load | 40 concurrent runs (2 waves), 12000 records");
                Matcher m = Pattern.compile(
                                "expected / arrived / duplicated / missing \\| (\\d+) / (\\d+) / (\\d+) / (\\d+)")
                        .matcher(r.out());
                assertThat(m.find()).as(r.out()).isTrue();
                assertThat(Long.parseLong(m.group(1)))
                        .as("transitions expected")
                        .isGreaterThan(40);
                assertThat(m.group(2)).as("arrived").isEqualTo(m.group(1));
                assertThat(m.group(3)).as("duplicated").isEqualTo("0");
                assertThat(m.group(4)).as("missing").isEqualTo("0");
                assertThat(r.out())
                        .containsPattern("analyzer lag on grokwatch.metrics: max / at the end \\| \\d+ / 0 records");
                assertThat(r.out())
                        .containsPattern("bridge /metrics scrape: p50 / p99 / max \\| \\d+ / \\d+ / \\d+ ms");
            }
        }
    }

    @Test
    void badFlagsAreUsageErrors() {
        CliRun r = CliRun.grokwatch("loadgen", "--evaluations", "1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("grokwatch loadgen: --evaluations must be in 2..4000, got 1");
    }
}
