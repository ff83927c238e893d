package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;

/** Opens a report page in headless Chromium and checks that its charts were drawn. */
public final class RenderedReport {
    public static final int WIDTH = 1200;
    public static final int HEIGHT = 2400;
    public static final String[] CHARTS = {
        "chart-accuracy",
        "chart-loss",
        "chart-forecast",
        "chart-weights",
        "chart-spectrum",
        "chart-pca",
        "chart-circle",
        "chart-structure"
    };
    private static final int VAL_LINE = 0x2471a3;

    private RenderedReport() {}

    /** Chromium, or a skipped test outside CI; in CI (CI=true) a missing chromium fails. */
    public static HeadlessChromium requireChromium() {
        var found = HeadlessChromium.find();
        if (found.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("chromium is not on PATH; .ci/run installs Debian's chromium (apt-get install chromium)");
        }
        assumeTrue(
                found.isPresent(), "chromium is not on PATH (apt-get install chromium); skipping the rendering check");
        return found.get();
    }

    /**
     * Checks that every chart rendered without script errors (from the rendered DOM), and that a
     * {@value #WIDTH}x{@value #HEIGHT} screenshot shows a drawing in each chart's box; returns the screenshot.
     */
    public static BufferedImage assertChartsRendered(HeadlessChromium chromium, Path page, Path workDir)
            throws Exception {
        String dom = chromium.dumpDom(page, workDir);
        Map<String, ChartImages.Box> charts = ChartImages.renderedCharts(dom);
        assertThat(dom)
                .contains("<pre id=\"errors\"></pre>")
                .contains("data-charts-rendered=\"" + CHARTS.length + "\"");
        assertThat(charts).containsOnlyKeys(CHARTS);
        assertThat(dom.split("<canvas", -1).length - 1).isGreaterThanOrEqualTo(CHARTS.length);

        Path png = workDir.resolve(page.getFileName() + ".png");
        chromium.screenshot(page, png, WIDTH, HEIGHT);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(WIDTH);
        assertThat(img.getHeight()).isEqualTo(HEIGHT);
        charts.forEach((id, box) -> {
            if (box.y() + box.height() > img.getHeight()) return; // below the fold
            assertThat(box.width()).as(id + " width").isGreaterThan(1000);
            assertThat(ChartImages.distinctColours(img, box))
                    .as(id + " distinct colours")
                    .isGreaterThan(40);
            assertThat(ChartImages.inkShare(img, box)).as(id + " ink share").isBetween(0.02, 0.95);
        });
        // the validation curve is drawn in the accuracy chart, in its own colour
        assertThat(ChartImages.pixelsNear(img, charts.get("chart-accuracy"), VAL_LINE, 12))
                .isGreaterThan(200);
        return img;
    }
}
