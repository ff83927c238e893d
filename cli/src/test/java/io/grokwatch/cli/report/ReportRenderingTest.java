package io.grokwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens a report in headless Chromium and checks that every chart was drawn. */
class ReportRenderingTest {
  static final int WIDTH = 1200;
  static final int HEIGHT = 2400;
  private static final int VAL_LINE = 0x2471a3;

  @TempDir static Path dir;
  static HeadlessChromium chromium;

  @BeforeAll
  static void findChromium() {
    chromium = requireChromium();
  }

  /** Chromium, or a skipped test outside CI; in CI (CI=true) a missing chromium fails. */
  static HeadlessChromium requireChromium() {
    var found = HeadlessChromium.find();
    if (found.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("chromium is not on PATH; .ci/run installs Debian's chromium (apt-get install chromium)");
    }
    assumeTrue(found.isPresent(), "chromium is not on PATH (apt-get install chromium); skipping the rendering check");
    return found.get();
  }

  @Test
  void everyChartIsDrawnAndTheScreenshotShowsThem() throws Exception {
    Path page = ReportWriter.builder().build().write(ReportFixtures.grokkingModel("syn-1"), dir.resolve("syn-1.html"));

    String dom = chromium.dumpDom(page, dir);
    Map<String, ChartImages.Box> charts = ChartImages.renderedCharts(dom);
    assertThat(dom).contains("data-charts-rendered=\"6\"").contains("<pre id=\"errors\"></pre>");
    assertThat(charts).containsOnlyKeys(
        "chart-accuracy", "chart-loss", "chart-weights", "chart-spectrum", "chart-pca", "chart-structure");
    assertThat(dom.split("<canvas", -1).length - 1).isGreaterThanOrEqualTo(6);

    Path png = dir.resolve("syn-1.png");
    chromium.screenshot(page, png, WIDTH, HEIGHT);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(WIDTH);
    assertThat(img.getHeight()).isEqualTo(HEIGHT);
    assertChartsDrawn(img, charts);
    // the validation curve is drawn in the accuracy chart, in its own colour
    assertThat(ChartImages.pixelsNear(img, charts.get("chart-accuracy"), VAL_LINE, 12)).isGreaterThan(200);
  }

  /** Every chart box inside the screenshot holds a drawing: many colours, some ink. */
  static void assertChartsDrawn(BufferedImage img, Map<String, ChartImages.Box> charts) {
    assertThat(charts).isNotEmpty();
    charts.forEach((id, box) -> {
      if (box.y() + box.height() > img.getHeight()) return; // below the fold
      assertThat(box.width()).as(id + " width").isGreaterThan(1000);
      assertThat(ChartImages.distinctColours(img, box)).as(id + " distinct colours").isGreaterThan(40);
      assertThat(ChartImages.inkShare(img, box)).as(id + " ink share").isBetween(0.02, 0.95);
    });
  }
}
