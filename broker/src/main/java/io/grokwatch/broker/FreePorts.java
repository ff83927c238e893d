package io.grokwatch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;

/** Picks ports that are free on a host right now (Kafka needs the port numbers before binding). */
final class FreePorts {
    private FreePorts() {}

    /** A free port on {@code host} that is none of {@code avoid}. */
    static int pick(String host, int... avoid) {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + host + ": " + e.getMessage(), e);
            }
            final int candidate = port;
            if (Arrays.stream(avoid).noneMatch(a -> a == candidate)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on " + host + " after 20 attempts");
    }

    /** True if a server socket can bind {@code host:port} right now. */
    static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
