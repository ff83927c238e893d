package io.grokwatch.events;

/**
 * Where a run came from: enough to reproduce it and to tell two runs apart.
 *
 * @param seed the run's random seed
 * @param splitHash SHA-256 of the train/validation split
 * @param version grokwatch version
 * @param gitCommit commit the trainer was built from, or "unknown"
 * @param jvm JVM vendor and version
 * @param os operating system and architecture
 * @param cpu CPU model and core count
 * @param backend ND4J backend (e.g. CPU linux-x86_64-onednn-avx2), or the producer's framework
 * @param host host name
 */
public record Provenance(
        long seed,
        String splitHash,
        String version,
        String gitCommit,
        String jvm,
        String os,
        String cpu,
        String backend,
        String host) {

    public Provenance {
        Check.nonEmpty("provenance.splitHash", splitHash);
        Check.nonEmpty("provenance.version", version);
        Check.nonEmpty("provenance.gitCommit", gitCommit);
        Check.nonEmpty("provenance.jvm", jvm);
        Check.nonEmpty("provenance.os", os);
        Check.nonEmpty("provenance.cpu", cpu);
        Check.nonEmpty("provenance.backend", backend);
        Check.nonEmpty("provenance.host", host);
    }

    /** Provenance of this JVM and machine for a run with the given seed, split hash and backend. */
    public static Provenance current(long seed, String splitHash, String backend) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown";
        }
        Package pkg = Provenance.class.getPackage();
        String version = pkg != null && pkg.getImplementationVersion() != null ? pkg.getImplementationVersion() : "dev";
        String commit = System.getProperty("grokwatch.git.commit", "unknown");
        return new Provenance(
                seed,
                splitHash,
                version,
                commit,
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                cpuModel() + " x" + Runtime.getRuntime().availableProcessors(),
                backend,
                host);
    }

    private static String cpuModel() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name"))
                    return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
