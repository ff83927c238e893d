package io.grokwatch.cli.report;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens a report in headless Chromium and checks that every chart was drawn. */
class ReportRenderingTest {
    @TempDir
    Path dir;

    @Test
    void everyChartIsDrawnAndTheScreenshotShowsThem() throws Exception {
        HeadlessChromium chromium = RenderedReport.requireChromium();
        Path page =
                ReportWriter.builder().build().write(ReportFixtures.grokkingModel("syn-1"), dir.resolve("syn-1.html"));

        RenderedReport.assertChartsRendered(chromium, page, dir);
    }
}
