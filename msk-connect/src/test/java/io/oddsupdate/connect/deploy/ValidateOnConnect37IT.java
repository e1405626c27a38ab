package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectRest;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * Every shipped config (local overlay) against {@code PUT /connector-plugins/{class}/config/validate} of a real Connect
 * 3.7.2 worker (what MSK Connect 3.7.x runs) whose plugin.path holds the unpacked bundle ZIP, the custom plugin we deploy,
 * and whose worker settings are the generated {@code worker.properties} (FileConfigProvider for the local secrets).
 */
class ValidateOnConnect37IT {

    private static Path pluginPath;
    private static EmbeddedConnectCluster connect;
    private static ConnectRest rest;

    @BeforeAll
    static void start() {
        ShippedConfigs.materialiseFileSecrets(ShippedConfigs.connectors(ConfigValidation.ENV));
        pluginPath = PluginPath.fromZips(List.of(Bundles.bundleZip()));
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        worker.putAll(ShippedConfigs.workerProperties(ConfigValidation.ENV));
        connect = ConnectClusters.builder("validate-37", pluginPath).workerProps(worker).build();
        connect.start();
        rest = new ConnectRest(connect.endpointForResource(""));
    }

    @AfterAll
    static void stop() {
        if (connect != null) {
            connect.stop();
        }
        TempDirs.deleteRecursively(pluginPath);
    }

    @TestFactory
    Stream<DynamicNode> shippedConfigs() {
        return ConfigValidation.tests(rest);
    }

    /** The command users run: {@code msk-connect/bin/connect-apply --validate} against this worker passes every shipped config. */
    @Test
    void connectApplyValidatesEveryShippedConfig() throws Exception {
        Path script = PluginPath.projectRoot().resolve("msk-connect/bin/connect-apply");
        Process p = new ProcessBuilder("python3", script.toString(), "--env", ConfigValidation.ENV,
                "--url", connect.endpointForResource("").replaceAll("/$", ""), "--validate").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("connect-apply --validate:\n" + out);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "connect-apply did not finish");
        assertEquals(0, p.exitValue(), out);
        for (String name : ShippedConfigs.connectors(ConfigValidation.ENV).keySet()) {
            assertTrue(out.contains(name + ": OK"), name + " not validated by connect-apply:\n" + out);
        }
    }
}
