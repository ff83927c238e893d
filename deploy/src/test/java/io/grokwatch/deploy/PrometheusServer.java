package io.grokwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's Prometheus as a plain process on 127.0.0.1 with a test-generated config; a job may
 * scrape with basic auth ({@link Builder#basicAuth}).
 *
 * <pre>{@code
 * try (PrometheusServer prom = PrometheusServer.builder(tmp).scrape("grokwatch-bridge", "127.0.0.1:9464")
 *     .ruleFiles(rules).build().start()) {
 *   JsonNode series = prom.query("grokwatch_run_step");
 * }
 * }</pre>
 */
final class PrometheusServer implements AutoCloseable {
    private final Path workDir;
    private final Map<String, List<String>> jobs;
    private final Map<String, Map<String, String>> basicAuth;
    private final List<Path> ruleFiles;
    private final String alertmanager;
    private final Duration interval;
    private int port;
    private ServerProcess process;

    private PrometheusServer(Builder b) {
        this.workDir = b.workDir;
        this.jobs = Map.copyOf(b.jobs);
        this.basicAuth = Map.copyOf(b.basicAuth);
        this.ruleFiles = List.copyOf(b.ruleFiles);
        this.alertmanager = b.alertmanager;
        this.interval = b.interval;
    }

    static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Writes the config, starts Prometheus and waits until it is ready. */
    PrometheusServer start() {
        Path binary = Tools.require("prometheus");
        Path config = workDir.resolve("prometheus-test.yml");
        DeployFiles.writeYaml(config, config());
        port = ServerProcess.freePort();
        process = ServerProcess.start(
                "prometheus",
                List.of(
                        binary.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + workDir.resolve("prometheus-data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn"),
                workDir);
        process.awaitHttpOk(url() + "/-/ready", Duration.ofSeconds(30));
        return this;
    }

    private Map<String, Object> config() {
        String every = interval.toMillis() + "ms";
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("global", Map.of("scrape_interval", every, "evaluation_interval", every, "scrape_timeout", every));
        c.put("rule_files", ruleFiles.stream().map(Path::toString).toList());
        if (alertmanager != null) {
            c.put(
                    "alerting",
                    Map.of(
                            "alertmanagers",
                            List.of(Map.of("static_configs", List.of(Map.of("targets", List.of(alertmanager)))))));
        }
        List<Object> scrapes = new ArrayList<>();
        jobs.forEach((job, targets) -> {
            Map<String, Object> scrape = new LinkedHashMap<>();
            scrape.put("job_name", job);
            scrape.put("static_configs", List.of(Map.of("targets", targets)));
            if (basicAuth.containsKey(job)) scrape.put("basic_auth", basicAuth.get(job));
            scrapes.add(scrape);
        });
        c.put("scrape_configs", scrapes);
        return c;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The result of an instant query (a JSON array of series); fails when Prometheus rejects it. */
    JsonNode query(String promql) {
        HttpResponse<String> r =
                ServerProcess.get(url() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body;
        try {
            body = DeployFiles.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError(
                    "Prometheus answered " + r.statusCode() + " with non-JSON for " + promql + ": " + r.body());
        }
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError(
                    "Prometheus rejected " + promql + ": " + body.path("error").asText(r.body()));
        }
        return body.path("data").path("result");
    }

    String logTail() {
        return process == null ? "" : process.logTail();
    }

    @Override
    public void close() {
        if (process != null) process.close();
    }

    /** Configuration of a test Prometheus: scrape jobs, rule files, Alertmanager, one interval for all. */
    static final class Builder {
        private final Path workDir;
        private final Map<String, List<String>> jobs = new LinkedHashMap<>();
        private final Map<String, Map<String, String>> basicAuth = new LinkedHashMap<>();
        private final List<Path> ruleFiles = new ArrayList<>();
        private String alertmanager;
        private Duration interval = Duration.ofSeconds(1);

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        Builder scrape(String job, String... targets) {
            jobs.put(job, List.of(targets));
            return this;
        }

        /** Job {@code job} sends basic auth: this user and the password in {@code passwordFile}, as Prometheus reads it. */
        Builder basicAuth(String job, String username, Path passwordFile) {
            basicAuth.put(
                    job,
                    Map.of(
                            "username",
                            username,
                            "password_file",
                            passwordFile.toAbsolutePath().toString()));
            return this;
        }

        Builder ruleFiles(List<Path> files) {
            ruleFiles.addAll(files);
            return this;
        }

        Builder alertmanager(String hostPort) {
            this.alertmanager = hostPort;
            return this;
        }

        /** Scrape and rule evaluation interval; default 1s. */
        Builder interval(Duration d) {
            if (d.toMillis() < 100) throw new IllegalArgumentException("interval must be at least 100ms, got " + d);
            this.interval = d;
            return this;
        }

        PrometheusServer build() {
            if (jobs.isEmpty()) throw new IllegalStateException("no scrape job: call scrape(job, targets...)");
            for (String job : basicAuth.keySet()) {
                if (!jobs.containsKey(job))
                    throw new IllegalStateException("basic auth for job " + job
                            + ", which scrapes nothing: call scrape(" + job + ", targets...)");
            }
            return new PrometheusServer(this);
        }
    }
}
