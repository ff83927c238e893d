package io.grokwatch.bridge;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One real HTTP scrape of the bridge, parsed from the Prometheus text format. */
record Scrape(String text, List<Sample> samples) {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One exposed sample: metric name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    static Scrape of(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("scrape of " + url + " returned HTTP " + response.statusCode());
        }
        return parse(response.body());
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            double value = Double.parseDouble(
                    line.substring(space + 1).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
            int brace = series.indexOf('{');
            String name = brace < 0 ? series : series.substring(0, brace);
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0) {
                Matcher m = LABEL.matcher(series.substring(brace));
                while (m.find()) labels.put(m.group(1), m.group(2));
            }
            samples.add(new Sample(name, labels, value));
        }
        return new Scrape(text, List.copyOf(samples));
    }

    /** The samples of {@code name} whose labels include the given name/value pairs. */
    List<Sample> find(String name, String... labelPairs) {
        Predicate<Sample> matches = s -> {
            if (!s.name().equals(name)) return false;
            for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) return false;
            }
            return true;
        };
        return samples.stream().filter(matches).toList();
    }

    /** The value of the one sample matching; fails when none or several match. */
    double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + " " + List.of(labelPairs) + ", found " + found);
        }
        return found.get(0).value();
    }

    /** True when exactly one sample matches. */
    boolean has(String name, String... labelPairs) {
        return find(name, labelPairs).size() == 1;
    }

    /** The samples with a label {@code run} equal to the given run id. */
    List<Sample> seriesOfRun(String run) {
        return samples.stream().filter(s -> run.equals(s.labels().get("run"))).toList();
    }
}
