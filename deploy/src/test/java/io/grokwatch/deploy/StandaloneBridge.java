package io.grokwatch.deploy;

import io.grokwatch.bridge.MetricsBridge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** The metrics bridge in a JVM of its own, so that a test can SIGKILL it: {@code main(servers, port)}. */
final class StandaloneBridge {
    private StandaloneBridge() {}

    public static void main(String[] args) throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "200");
        MetricsBridge bridge = MetricsBridge.builder()
                .kafkaProperties(p)
                .port(Integer.parseInt(args[1]))
                .build()
                .start();
        System.out.println("bridge serving " + bridge.metricsUrl());
        Thread.currentThread().join(); // until killed
    }

    /** Starts it on this test's classpath; its output goes to {@code dir/name.log}. */
    static ServerProcess start(String name, Path dir, String servers, int port) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1", // starts in about half the time; the test measures no speed
                "-cp",
                System.getProperty("java.class.path"),
                StandaloneBridge.class.getName(),
                servers,
                Integer.toString(port)));
        return ServerProcess.start(name, cmd, dir)
                .awaitHttpOk("http://127.0.0.1:" + port + "/metrics", java.time.Duration.ofSeconds(60));
    }
}
