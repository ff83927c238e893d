package io.grokwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An HTTP endpoint that records the Alertmanager webhook notifications it receives. */
final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final String path;
    private final List<JsonNode> notifications = new CopyOnWriteArrayList<>();

    private WebhookReceiver(HttpServer server, String path) {
        this.server = server;
        this.path = path;
    }

    static WebhookReceiver start(String path) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            WebhookReceiver r = new WebhookReceiver(s, path);
            s.createContext(path, exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    if ("POST".equals(exchange.getRequestMethod())) r.notifications.add(DeployFiles.JSON.readTree(in));
                } finally {
                    exchange.sendResponseHeaders(200, -1);
                    exchange.close();
                }
            });
            s.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the webhook receiver", e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Every alert of every notification received so far. */
    List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : notifications) n.path("alerts").forEach(out::add);
        return out;
    }

    /** Waits for a firing alert with this name and run label; returns it. */
    JsonNode awaitFiring(String alertname, String run, Duration deadline) {
        return Poll.until(
                deadline,
                "a firing " + alertname + " for run " + run + " at the webhook (got " + alerts() + ")",
                () -> alerts().stream()
                        .filter(a -> "firing".equals(a.path("status").asText()))
                        .filter(a -> alertname.equals(
                                a.path("labels").path("alertname").asText()))
                        .filter(a -> run.equals(a.path("labels").path("run").asText()))
                        .findFirst()
                        .orElse(null));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
