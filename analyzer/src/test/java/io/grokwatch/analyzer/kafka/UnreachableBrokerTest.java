package io.grokwatch.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An analyzer pointed at a port where no broker listens fails its start with an error that says so. */
class UnreachableBrokerTest {
    @Test
    void startNamesTheBrokerThatDidNotAnswer() throws Exception {
        String servers;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            servers = "127.0.0.1:" + s.getLocalPort(); // nobody listens there once closed
        }
        AnalyzerService analyzer = AnalyzerService.builder()
                .bootstrapServers(servers)
                .instanceId("unreachable-1")
                .startTimeout(Duration.ofSeconds(2))
                .build();
        assertThatThrownBy(analyzer::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka at " + servers + " did not answer within 2 s")
                .hasMessageContaining("is the broker running there");
    }
}
