package io.grokwatch.cli.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Makes the README's picture of a report: a headless-Chromium screenshot, scaled down.
 *
 * <pre>
 * ./grokwatch demo --run-id readme --steps 6000 --after-grok-steps 3500 --snapshot-every 100
 * mvn -q -pl cli exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.grokwatch.cli.report.ReportScreenshotMain \
 *   -Dexec.args="reports/readme.html docs/report.png 640"
 * </pre>
 */
public final class ReportScreenshotMain {
    private ReportScreenshotMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ReportScreenshotMain REPORT.html OUT.png WIDTH");
            System.exit(2);
        }
        Path page = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int width = Integer.parseInt(args[2]);
        HeadlessChromium chromium = HeadlessChromium.find()
                .orElseThrow(() -> new IllegalStateException("chromium is not on PATH (apt-get install chromium)"));
        Path work = Files.createTempDirectory("report-shot");
        Path full = work.resolve("full.png");
        chromium.screenshot(page, full, RenderedReport.WIDTH, RenderedReport.HEIGHT);
        BufferedImage src = ImageIO.read(full.toFile());
        int height = Math.round(src.getHeight() * (float) width / src.getWidth());
        BufferedImage dst = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(src, 0, 0, width, height, null);
        g.dispose();
        Files.createDirectories(out.toAbsolutePath().getParent());
        ImageIO.write(dst, "png", out.toFile());
        System.out.println(out + ": " + width + "x" + height + ", " + Files.size(out) / 1024 + " KB");
    }
}
