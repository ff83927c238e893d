package io.grokwatch.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards validate against JSON Schemas generated from @grafana/schema's TypeScript types
 * (deploy/schema-check/check.mjs, run with node after npm ci).
 */
class DashboardSchemaTest {

    @Test
    void shippedDashboardsValidateAndABrokenOneDoesNot(@TempDir Path tmp) throws IOException {
        Path checkDir = DeployFiles.file("schema-check");
        Path node = Tools.require("node");
        installDependencies(checkDir);

        // A copy of Run detail with three mistakes the schema must catch: proves the check can fail.
        ObjectNode broken = (ObjectNode) DeployFiles.readJson(DeployFiles.file("grafana/dashboards/run-detail.json"));
        ObjectNode first = (ObjectNode) broken.path("panels").get(0);
        first.put("colour", "red"); // no such panel field
        ((ObjectNode) first.path("gridPos")).put("w", "wide"); // w is a number
        ((ObjectNode) broken.path("panels").get(6).path("options").path("legend"))
                .put("placement", "top"); // bottom|right
        Path brokenFile = tmp.resolve("broken.json");
        DeployFiles.JSON.writeValue(brokenFile.toFile(), broken);

        Command.Result r = Command.of(node, "check.mjs", DeployFiles.file("grafana/dashboards"), brokenFile)
                .in(checkDir)
                .timeout(Duration.ofSeconds(120))
                .run();
        List<String> lines = Arrays.asList(r.output().split("\n"));

        assertThat(lines)
                .as(r.describe())
                .contains("OK runs-overview.json", "OK run-detail.json", "OK pipeline-health.json", "OK sweep.json");
        assertThat(lines).as(r.describe()).anySatisfy(l -> assertThat(l).startsWith("schema @grafana/schema "));
        assertThat(lines)
                .as(r.describe())
                .anySatisfy(l -> assertThat(l).startsWith("FAIL broken.json").contains("'colour'"))
                .anySatisfy(l -> assertThat(l).startsWith("FAIL broken.json").contains("/gridPos/w must be number"))
                .anySatisfy(l -> assertThat(l).startsWith("FAIL broken.json").contains("options/legend/placement"));
        assertThat(lines)
                .as(r.describe())
                .noneSatisfy(l -> assertThat(l).startsWith("FAIL").doesNotContain("broken.json"));
        assertThat(r.exitCode()).as("exit code with one broken dashboard").isEqualTo(1);
    }

    /** npm ci from the committed package-lock.json, unless node_modules already matches it. */
    private static void installDependencies(Path checkDir) throws IOException {
        Path installed = checkDir.resolve("node_modules/.package-lock.json");
        Path lock = checkDir.resolve("package-lock.json");
        if (Files.exists(installed)
                && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
            return;
        }
        Path npm = Tools.require("npm");
        Command.Result r = Command.of(npm, "ci", "--no-audit", "--no-fund")
                .in(checkDir)
                .timeout(Duration.ofMinutes(3))
                .run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
    }
}
