package io.grokwatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The TCP sockets this JVM listens on, as Linux reports them: rows of /proc/net/tcp and tcp6 in
 * state LISTEN whose inode is one of this process's open sockets (/proc/self/fd).
 */
final class ListeningSockets {
    private static final String LISTEN = "0A";
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private ListeningSockets() {}

    /** One listening socket: the address and port it is bound to, and its inode. */
    record Listener(InetAddress address, int port, long inode) {
        boolean onLoopback() {
            return address.isLoopbackAddress();
        }

        @Override
        public String toString() {
            String host = address.getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + " (inode " + inode + ")";
        }
    }

    /** Every TCP socket of this process in state LISTEN, IPv4 and IPv6. */
    static List<Listener> ofThisProcess() {
        if (!Files.isReadable(TABLES.get(0))) {
            throw new IllegalStateException("cannot read /proc/net/tcp: listing listeners needs Linux's /proc");
        }
        Set<Long> mine = socketInodes();
        List<Listener> found = new ArrayList<>();
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) continue; // no tcp6 when the kernel has IPv6 off
            List<String> rows = readLines(table);
            // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            for (String row : rows.subList(1, rows.size())) {
                String[] f = row.trim().split("\\s+");
                if (!f[3].equals(LISTEN)) continue;
                long inode = Long.parseLong(f[9]);
                if (!mine.contains(inode)) continue; // another process in this network namespace
                String[] hostPort = f[1].split(":");
                found.add(new Listener(address(hostPort[0]), Integer.parseInt(hostPort[1], 16), inode));
            }
        }
        return found;
    }

    /** The listeners of this process that are not bound to a loopback address (127.0.0.0/8, ::1). */
    static List<Listener> offLoopback() {
        return ofThisProcess().stream().filter(l -> !l.onLoopback()).toList();
    }

    /** Fails, naming every offender, unless each listener of this process is on loopback. */
    static void assertAllOnLoopback() {
        List<Listener> all = ofThisProcess();
        List<Listener> off = all.stream().filter(l -> !l.onLoopback()).toList();
        if (!off.isEmpty()) {
            throw new AssertionError("listening beyond loopback: "
                    + off.stream().map(Listener::toString).collect(Collectors.joining(", "))
                    + "; all listeners: " + all);
        }
    }

    /**
     * An address as /proc prints it: 8 or 32 hex digits, each group of 8 a 32-bit word in the
     * host's byte order. An IPv4-mapped IPv6 address (how Java binds 127.0.0.1 on a dual-stack
     * socket) comes back as the IPv4 address.
     */
    static InetAddress address(String hex) {
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
        for (int i = 0; i < hex.length(); i += 8) {
            bytes.putInt(Integer.parseUnsignedInt(hex.substring(i, i + 8), 16));
        }
        try {
            return InetAddress.getByAddress(bytes.array());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address in /proc/net/tcp form: " + hex, e);
        }
    }

    private static Set<Long> socketInodes() {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while we looked: it listens no more
                }
                if (target.startsWith("socket:[")) {
                    inodes.add(Long.parseLong(target.substring("socket:[".length(), target.length() - 1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
        return inodes;
    }

    private static List<String> readLines(Path table) {
        try {
            return Files.readAllLines(table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table + ": " + e.getMessage(), e);
        }
    }
}
