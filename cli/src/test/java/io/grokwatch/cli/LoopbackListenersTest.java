package io.grokwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grokwatch.cli.ListeningSockets.Listener;
import io.grokwatch.cli.demo.DemoServices;
import io.grokwatch.cli.worker.JobWorker;
import io.grokwatch.trainer.publish.RunPublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Every TCP listener grokwatch opens with its default settings is bound to loopback. The pieces
 * run in this JVM (the demo's services, the broker, bridge and analyze commands, a worker, a
 * trainer's publisher), and this JVM's listening sockets are read from /proc, so a listener nobody
 * knew about is caught too.
 */
class LoopbackListenersTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void theEnumerationReportsListenersOnEveryInterfaceAndOnlyThose() throws Exception {
        try (ServerSocketChannel anyIpv4 = ServerSocketChannel.open(StandardProtocolFamily.INET)
                        .bind(new InetSocketAddress("0.0.0.0", 0));
                // No address at all: the wildcard, "::" on a dual-stack JVM. The usual way to listen on every
                // interface.
                ServerSocket wildcard = new ServerSocket(0);
                ServerSocket loopback4 = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                ServerSocketChannel loopback6 =
                        ServerSocketChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress("::1", 0))) {
            int any4 = ((InetSocketAddress) anyIpv4.getLocalAddress()).getPort();
            int any = wildcard.getLocalPort();
            int lo4 = loopback4.getLocalPort();
            int lo6 = ((InetSocketAddress) loopback6.getLocalAddress()).getPort();

            List<Listener> all = ListeningSockets.ofThisProcess();
            assertThat(all).extracting(Listener::port).contains(any4, any, lo4, lo6);
            assertThat(find(all, any4).address().getHostAddress()).isEqualTo("0.0.0.0");
            assertThat(find(all, lo4).address().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(find(all, lo6).address().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");

            assertThat(ListeningSockets.offLoopback())
                    .extracting(Listener::port)
                    .contains(any4, any)
                    .doesNotContain(lo4, lo6);
            assertThatThrownBy(ListeningSockets::assertAllOnLoopback)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("listening beyond loopback: ")
                    .hasMessageContaining("0.0.0.0:" + any4 + " ")
                    .hasMessageContaining(":" + any + " ");
        }
        assertThat(ListeningSockets.ofThisProcess())
                .as("closed sockets listen no more")
                .allSatisfy(l -> assertThat(l.onLoopback()).isTrue());
    }

    @Test
    void addressesAreDecodedInTheHostsByteOrder() {
        // What a little-endian x86 kernel prints for 127.0.0.1, ::1 and ::ffff:127.0.0.1.
        assertThat(ListeningSockets.address("0100007F").getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(ListeningSockets.address("00000000000000000000000001000000").getHostAddress())
                .isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(ListeningSockets.address("0000000000000000FFFF00000100007F").getHostAddress())
                .isEqualTo("127.0.0.1");
        assertThat(ListeningSockets.address("00000000").isAnyLocalAddress()).isTrue();
    }

    @Test
    void everyServiceListensOnLoopbackByDefault() throws Exception {
        List<Runnable> stops = new ArrayList<>();
        try {
            // grokwatch demo's services: embedded Kafka (broker and controller), analyzer, bridge.
            DemoServices demo = DemoServices.launch(null);
            stops.add(demo::close);
            demo.startServices(0, () -> {}, line -> {});
            int demoKafka = portOf(demo.bootstrapServers());
            int demoMetrics = URI.create(demo.metricsUrl()).getPort();

            // The service commands, each with its defaults but for free ports.
            RunningCommand<BrokerCommand> broker = new RunningCommand<>("broker", "--port", "0");
            stops.add(() -> stop(broker, broker.command::requestStop));
            String kafka = broker.command.awaitReady(DEADLINE);
            assertThat(kafka).as("broker ready; stderr: %s", broker.err).isNotNull();

            RunningCommand<BridgeCommand> bridge =
                    new RunningCommand<>("bridge", "--bootstrap-servers", kafka, "--port", "0");
            stops.add(() -> stop(bridge, bridge.command::requestStop));
            String metricsUrl = bridge.command.awaitReady(DEADLINE);
            assertThat(metricsUrl).as("bridge ready; stderr: %s", bridge.err).isNotNull();

            RunningCommand<AnalyzeCommand> analyze = new RunningCommand<>("analyze", "--bootstrap-servers", kafka);
            stops.add(() -> stop(analyze, analyze.command::requestStop));
            assertThat(analyze.command.awaitReady(DEADLINE))
                    .as("analyzer ready; stderr: %s", analyze.err)
                    .isTrue();

            Properties clients = new Properties();
            clients.put("bootstrap.servers", kafka);
            JobWorker worker = JobWorker.builder(clients)
                    .out(new PrintWriter(new StringWriter()))
                    .build();
            Thread workerThread = new Thread(worker::run, "loopback-test-worker");
            workerThread.start();
            stops.add(() -> {
                worker.close();
                join(workerThread);
            });
            RunPublisher publisher = RunPublisher.builder()
                    .kafkaProperties(clients)
                    .warnings(w -> {})
                    .start();
            stops.add(() -> publisher.close(Duration.ofSeconds(5)));

            List<Listener> listening = ListeningSockets.ofThisProcess();
            assertThat(listening)
                    .as("the enumeration sees the services' own ports")
                    .extracting(Listener::port)
                    .contains(
                            demoKafka,
                            demoMetrics,
                            portOf(kafka),
                            URI.create(metricsUrl).getPort());
            // The embedded brokers' controller listeners come on top of those four.
            assertThat(listening.size()).isGreaterThanOrEqualTo(6);
            ListeningSockets.assertAllOnLoopback();
        } finally {
            for (int i = stops.size() - 1; i >= 0; i--) stops.get(i).run();
        }
    }

    private static Listener find(List<Listener> all, int port) {
        return all.stream().filter(l -> l.port() == port).findFirst().orElseThrow();
    }

    private static int portOf(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static void stop(RunningCommand<?> command, Runnable requestStop) {
        requestStop.run();
        join(command.thread);
    }

    private static void join(Thread t) {
        try {
            t.join(DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
