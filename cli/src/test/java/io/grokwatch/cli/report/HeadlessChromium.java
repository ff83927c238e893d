package io.grokwatch.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Debian's chromium, headless, for screenshots and rendered DOMs of report pages. */
public final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 90;

    private final Path binary;

    private HeadlessChromium(Path binary) {
        this.binary = binary;
    }

    /** The first chromium on PATH, if any. */
    public static Optional<HeadlessChromium> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return Optional.of(new HeadlessChromium(p));
            }
        }
        return Optional.empty();
    }

    /** Screenshots {@code page} at the given window size into {@code png}. */
    public void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        run(
                page,
                List.of("--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath()),
                png.getParent());
        if (!Files.isRegularFile(png)) throw new IOException("chromium wrote no screenshot at " + png);
    }

    /** The page's DOM after its scripts ran. */
    public String dumpDom(Path page, Path workDir) throws IOException, InterruptedException {
        return run(page, List.of("--window-size=1200,2400", "--dump-dom"), workDir);
    }

    private String run(Path page, List<String> extra, Path workDir) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + profile));
        cmd.addAll(extra);
        cmd.add(page.toAbsolutePath().toUri().toString());
        Path out = workDir.resolve("chromium-" + System.nanoTime() + ".out");
        Path err = workDir.resolve("chromium-" + System.nanoTime() + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    "chromium exited with " + p.exitValue() + ": " + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
