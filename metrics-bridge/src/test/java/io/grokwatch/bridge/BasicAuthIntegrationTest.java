package io.grokwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.broker.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A real bridge with basic auth on a real broker, asked over loopback HTTP with and without credentials. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BasicAuthIntegrationTest {
    private static final String USER = "prometheus";
    private static final String PASSWORD = "correct horse battery staple";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private EmbeddedKafka kafka;
    private MetricsBridge bridge;

    @BeforeAll
    void startBridgeWithBasicAuth() {
        kafka = EmbeddedKafka.builder().partitions(1).build().start();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        bridge = MetricsBridge.builder()
                .kafkaProperties(p)
                .groupId("basic-auth-test")
                .port(0)
                .basicAuth(USER, PASSWORD)
                .build()
                .start();
    }

    @AfterAll
    void stop() {
        if (bridge != null) bridge.close();
        if (kafka != null) kafka.close();
    }

    @Test
    void withoutCredentialsTheAnswerIs401WithAChallenge() throws Exception {
        HttpResponse<String> r = get(bridge.metricsUrl(), null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate"))
                .as("the challenge tells clients to send basic auth")
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm=\"grokwatch\""));
        assertThat(r.body()).doesNotContain("grokwatch_bridge_up");
    }

    @Test
    void aWrongPasswordOrUserIs401() throws Exception {
        assertThat(get(bridge.metricsUrl(), basic(USER, "wrong")).statusCode()).isEqualTo(401);
        assertThat(get(bridge.metricsUrl(), basic(USER, PASSWORD + "\n")).statusCode())
                .isEqualTo(401);
        assertThat(get(bridge.metricsUrl(), basic(USER, PASSWORD.substring(1))).statusCode())
                .isEqualTo(401);
        assertThat(get(bridge.metricsUrl(), basic("someone", PASSWORD)).statusCode())
                .isEqualTo(401);
        assertThat(get(bridge.metricsUrl(), "Bearer " + PASSWORD).statusCode()).isEqualTo(401);
    }

    @Test
    void theRightCredentialsGetTheMetrics() throws Exception {
        HttpResponse<String> r = get(bridge.metricsUrl(), basic(USER, PASSWORD));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(Scrape.parse(r.body()).value("grokwatch_bridge_up")).isEqualTo(1.0);
    }

    @Test
    void theHealthEndpointIsGuardedToo() throws Exception {
        String healthy = bridge.metricsUrl().replace("/metrics", "/-/healthy");
        assertThat(get(healthy, null).statusCode()).isEqualTo(401);
        assertThat(get(healthy, basic(USER, PASSWORD)).statusCode()).isEqualTo(200);
        assertThat(bridge.basicAuthUser()).isEqualTo(USER);
    }

    @Test
    void badCredentialsAreRejectedWhenConfigured() {
        MetricsBridge.Builder b = MetricsBridge.builder();
        assertThatThrownBy(() -> b.basicAuth("", "pw"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("basic auth user must not be empty");
        assertThatThrownBy(() -> b.basicAuth("a:b", "pw"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("basic auth user must not contain ':', got 'a:b'");
        assertThatThrownBy(() -> b.basicAuth("prometheus", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("basic auth password must not be empty");
        assertThatThrownBy(() -> b.basicAuth("prometheus", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("basic auth password must not be empty");
    }

    @Test
    void theAuthenticatorNeverShowsThePassword() {
        BasicAuth auth = new BasicAuth(USER, PASSWORD);
        assertThat(auth.toString()).contains(USER).doesNotContain(PASSWORD);
        assertThat(auth.checkCredentials(USER, PASSWORD)).isTrue();
        assertThat(auth.checkCredentials(USER, null)).isFalse();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (authorization != null) req.header("Authorization", authorization);
        return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }
}
