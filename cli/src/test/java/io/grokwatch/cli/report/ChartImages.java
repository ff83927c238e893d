package io.grokwatch.cli.report;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads chart boxes from a rendered report's DOM and measures what a screenshot shows inside them. */
public final class ChartImages {
    private static final Pattern CHART = Pattern.compile("<div class=\"chart[^\"]*\" id=\"(chart-[a-z]+)\"([^>]*)>");
    private static final Pattern BOX = Pattern.compile("data-box=\"(\\d+),(\\d+),(\\d+),(\\d+)\"");

    /** A chart's place on the page, in CSS pixels. */
    public record Box(int x, int y, int width, int height) {}

    private ChartImages() {}

    /** The boxes of the rendered charts, by element id, in page order. */
    static Map<String, Box> renderedCharts(String dom) {
        Map<String, Box> out = new LinkedHashMap<>();
        Matcher m = CHART.matcher(dom);
        while (m.find()) {
            String attrs = m.group(2);
            if (!attrs.contains("data-rendered=\"true\"")) continue;
            Matcher b = BOX.matcher(attrs);
            if (b.find()) {
                out.put(
                        m.group(1),
                        new Box(
                                Integer.parseInt(b.group(1)),
                                Integer.parseInt(b.group(2)),
                                Integer.parseInt(b.group(3)),
                                Integer.parseInt(b.group(4))));
            }
        }
        return out;
    }

    /** Distinct RGB colours inside the box (clipped to the image). */
    static int distinctColours(BufferedImage img, Box box) {
        Set<Integer> colours = new HashSet<>();
        forEach(img, box, rgb -> colours.add(rgb & 0xFFFFFF));
        return colours.size();
    }

    /** Share of pixels in the box that are not (near) white. */
    static double inkShare(BufferedImage img, Box box) {
        int[] counts = new int[2];
        forEach(img, box, rgb -> {
            counts[0]++;
            if (channel(rgb, 16) < 240 || channel(rgb, 8) < 240 || channel(rgb, 0) < 240) counts[1]++;
        });
        return counts[0] == 0 ? 0 : counts[1] / (double) counts[0];
    }

    /** Pixels within {@code tolerance} per channel of the given colour. */
    static int pixelsNear(BufferedImage img, Box box, int rgb, int tolerance) {
        int[] n = new int[1];
        forEach(img, box, p -> {
            if (Math.abs(channel(p, 16) - channel(rgb, 16)) <= tolerance
                    && Math.abs(channel(p, 8) - channel(rgb, 8)) <= tolerance
                    && Math.abs(channel(p, 0) - channel(rgb, 0)) <= tolerance) {
                n[0]++;
            }
        });
        return n[0];
    }

    private static int channel(int rgb, int shift) {
        return (rgb >> shift) & 0xFF;
    }

    private static void forEach(BufferedImage img, Box box, java.util.function.IntConsumer pixel) {
        int x1 = Math.min(img.getWidth(), box.x() + box.width());
        int y1 = Math.min(img.getHeight(), box.y() + box.height());
        for (int y = Math.max(0, box.y()); y < y1; y++) {
            for (int x = Math.max(0, box.x()); x < x1; x++) pixel.accept(img.getRGB(x, y));
        }
    }
}
