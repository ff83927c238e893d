package io.grokwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Paths of the shipped deploy files, and their contents as JSON trees. */
final class DeployFiles {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Writes generated configs; reading goes through SnakeYAML (see {@link #readYaml}). */
    static final YAMLMapper YAML = new YAMLMapper();

    private DeployFiles() {}

    /** The deploy module's directory (Maven runs tests there; -Dbasedir says so explicitly). */
    static Path root() {
        Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (Files.isRegularFile(base.resolve("docker-compose.yml"))) return base;
        Path nested = base.resolve("deploy");
        if (Files.isRegularFile(nested.resolve("docker-compose.yml"))) return nested;
        throw new IllegalStateException("cannot find deploy/docker-compose.yml from " + base);
    }

    static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing deploy file " + p);
        return p;
    }

    static JsonNode yaml(String relative) {
        return readYaml(file(relative));
    }

    /** Parses with SnakeYAML, which resolves anchors, aliases and merge keys ({@code <<: *x}). */
    static JsonNode readYaml(Path p) {
        try (Reader in = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            Object tree = new Yaml(new LoaderOptions()).load(in);
            return JSON.valueToTree(tree);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot parse " + p + ": " + e.getMessage(), e);
        }
    }

    static JsonNode readJson(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + p + ": " + e.getMessage(), e);
        }
    }

    /** Files under {@code dir} (recursively) whose name ends with one of the suffixes, sorted. */
    static List<Path> list(String dir, String... suffixes) {
        try (Stream<Path> s = Files.walk(file(dir))) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("node_modules"))
                    .filter(p -> Stream.of(suffixes)
                            .anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeYaml(Path p, Object tree) {
        try {
            YAML.writeValue(p.toFile(), tree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }
}
