package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oddsupdate.connect.testkit.PluginPath;

/** Capacity rules, the data flow the upgrade order comes from, and the buildspec that ships the checked bundle. */
class DeploymentPlanTest {

    private static final ConnectorConfigs CONFIGS = new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs"));

    @Test
    void dataFlowGoesVendorToSinkToSourceToBronzeAndEdge() {
        DataFlow flow = new DataFlow(CONFIGS.connectors, CONFIGS.connectorNames());
        assertEquals(java.util.Set.of("odds-sink"), flow.downstreamOf("vendor-to-core"), "raw.events.* on core");
        assertEquals(java.util.Set.of("odds-source"), flow.downstreamOf("odds-sink"), "the Redis streams (connectors.json upstream)");
        assertEquals(java.util.Set.of("bronze-s3-sink", "clickhouse-sink", "core-to-edge"), flow.downstreamOf("odds-source"), "odds.updates.internal.* on core");
        List<String> order = flow.downstreamFirst();
        for (String writer : CONFIGS.connectorNames()) {
            for (String reader : flow.downstreamOf(writer)) {
                assertTrue(order.indexOf(reader) < order.indexOf(writer), reader + " is upgraded before " + writer + ", which feeds it");
            }
        }
    }

    @Test
    void aCycleHasNoUpgradeOrder() throws IOException {
        ObjectNode connectors = CONFIGS.connectors.deepCopy();
        ((ObjectNode) connectors.get("odds-sink")).putArray("upstream").add("odds-source");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataFlow(connectors, CONFIGS.connectorNames()).downstreamFirst());
        assertTrue(e.getMessage().contains("odds-sink") && e.getMessage().contains("odds-source"), e.getMessage());
    }

    @Test
    void capacityRulesNameTheConnectorAndKey() throws IOException {
        Map<String, String> eos = Map.of("tasks.max", "4", "exactly.once.support", "requested");
        Map<String, String> sink = Map.of("tasks.max", "3");
        assertMessage(() -> Capacity.of("vendor-to-core", json("{\"autoscaling\":{\"minWorkerCount\":1,\"maxWorkerCount\":2,\"mcuCount\":1}}"), eos),
                "vendor-to-core", "exactly-once");
        assertMessage(() -> Capacity.of("odds-sink", json("{\"autoscaling\":{\"minWorkerCount\":1,\"maxWorkerCount\":4,\"mcuCount\":1}}"), sink),
                "maxWorkerCount 4", "maxAutoscalingTaskCount");
        assertMessage(() -> Capacity.of("odds-sink", json("{\"provisioned\":{\"workerCount\":4,\"mcuCount\":1}}"), sink), "workerCount 4");
        assertMessage(() -> Capacity.of("odds-sink", json("{\"provisioned\":{\"workerCount\":1,\"mcuCount\":3}}"), sink), "mcuCount 3");
        assertMessage(() -> Capacity.of("odds-sink", json("{}"), sink), "exactly one of");

        Capacity autoscaled = Capacity.of("odds-sink", json("{\"autoscaling\":{\"minWorkerCount\":1,\"maxWorkerCount\":3,\"mcuCount\":1}}"), sink);
        assertEquals(Generate.obj("autoScaling", Generate.obj("mcuCount", 1, "minWorkerCount", 1, "maxWorkerCount", 3, "maxAutoscalingTaskCount", 3,
                "scaleInPolicy", Generate.obj("cpuUtilizationPercentage", 20), "scaleOutPolicy", Generate.obj("cpuUtilizationPercentage", 80))),
                autoscaled.createConnectorCapacity());
        assertEquals(2, autoscaled.minimumRunningTasks(), "one worker x 1 MCU x 2 tasks per MCU");
        assertMessage(autoscaled::crossplaneCapacity, "maxAutoscalingTaskCount");
        assertEquals(4, Capacity.of("vendor-to-core", json("{\"provisioned\":{\"workerCount\":2,\"mcuCount\":1}}"), eos).minimumRunningTasks());
    }

    @Test
    void buildspecUploadsTheBundleTheTestsChecked() throws IOException {
        String buildspec = Files.readString(PluginPath.projectRoot().resolve("msk-connect/buildspec.yml"));
        String pom = Files.readString(PluginPath.projectRoot().resolve("msk-connect/pom.xml"));
        // the file name the tests check is the one uploaded: named by the release version in the POM
        assertTrue(pom.contains("<bundle.name>odds-update-bundle-${plugin.release.version}</bundle.name>"));
        assertTrue(buildspec.contains("-Dplugin.release.version=\"$VERSION\"") && buildspec.contains("-Dmsk.config.providers.zip=")
                && buildspec.contains("-Dmsk.config.providers.sha256="), "the providers go in through Maven, before the checks");
        int verify = buildspec.indexOf("sha256sum -c \"odds-update-bundle-${VERSION}.zip.sha256\"");
        int upload = buildspec.indexOf("--body \"msk-connect/target/odds-update-bundle-${VERSION}.zip\"");
        assertTrue(verify > 0 && upload > verify, "checksum written by UploadedBundleIT verified before the upload of that file");
        for (String line : buildspec.split("\n")) {
            String command = line.strip();
            if (command.startsWith("#")) {
                continue;
            }
            assertTrue(!command.matches("(-\\s*|.*[;&|(]\\s*)?(unzip|zip)\\s.*") && !command.matches(".*\\bcp\\b.*lib/.*"),
                    "nothing is added to the bundle after the checks: " + command);
        }
    }

    private static JsonNode json(String text) throws IOException {
        return ConnectorConfigs.JSON.readTree(text);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String x : expected) {
            assertTrue(e.getMessage().contains(x), x + " in: " + e.getMessage());
        }
    }
}
