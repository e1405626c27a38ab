package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectRest;
import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * The same checks as {@link ValidateOnConnect37IT} on the newest Kafka Connect (root POM's {@code kafka.next.version}):
 * a distributed worker in its own JVM, class path resolved by Maven into {@code target/connect-next/}, against a 3.7.2
 * broker started here, with the unpacked bundle on its plugin.path. MSK Connect will move to a 4.x runtime; this finds
 * out first what breaks.
 */
class ValidateOnConnect4IT {

    private static EmbeddedKafkaCluster kafka;
    private static ConnectWorkers worker;
    private static Path pluginPath;
    private static Path workDir;
    private static ConnectRest rest;
    private static String version;

    @BeforeAll
    static void start() throws Exception {
        ShippedConfigs.materialiseFileSecrets(ShippedConfigs.connectors(ConfigValidation.ENV));
        kafka = ConnectClusters.kafka(1);
        kafka.start();
        pluginPath = PluginPath.fromZips(List.of(Bundles.bundleZip()));
        workDir = Files.createTempDirectory("connect-next-");
        Map<String, String> props = new HashMap<>(ShippedConfigs.workerProperties(ConfigValidation.ENV));
        props.put("plugin.path", pluginPath.toString());
        props.put("plugin.discovery", "service_load");
        Path log4j = workDir.resolve("log4j2.properties");
        Files.writeString(log4j, "rootLogger.level=INFO\nrootLogger.appenderRef.out.ref=out\nappender.out.type=Console\n"
                + "appender.out.name=out\nappender.out.layout.type=PatternLayout\nappender.out.layout.pattern=[%d] %p %m (%c)%n\n");
        Path runtime = PluginPath.projectRoot().resolve("msk-connect/target/connect-next");
        assertTrue(Files.isDirectory(runtime), runtime + " missing: the build resolves it in pre-integration-test");
        Path logDir = PluginPath.projectRoot().resolve("msk-connect/target/connect-next-worker");
        worker = ConnectWorkers.start(1, kafka.bootstrapServers(), "connect-next", 1, props, logDir,
                runtime + File.separator + "*", List.of("-Dlog4j2.configurationFile=" + log4j.toUri()));
        rest = worker.rest(0);
        version = rest.get("").path("version").asText();
        System.out.println("Connect worker " + version + " (log: " + worker.log(0) + ")");
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.stop();
        }
        TempDirs.deleteRecursively(pluginPath);
        TempDirs.deleteRecursively(workDir);
    }

    @Test
    void isTheNewestRuntime() {
        assertEquals(System.getProperty("oddsupdate.kafka.next.version"), version);
    }

    @Test
    void loadsEveryBundlePluginClass() {
        Set<String> listed = new TreeSet<>();
        for (JsonNode p : rest.plugins()) {
            listed.add(p.path("class").asText());
        }
        List<String> missing = new ArrayList<>();
        PluginZip bundle = PluginZip.unpack(Bundles.bundleZip());
        for (Map.Entry<String, Set<String>> e : bundle.serviceEntries().entrySet()) {
            if (e.getKey().endsWith("ReplicationPolicy") || e.getKey().endsWith("ConfigProvider")) {
                continue; // not listed by GET /connector-plugins
            }
            e.getValue().stream().filter(c -> !listed.contains(c)).forEach(c -> missing.add(c + " (" + e.getKey() + ")"));
        }
        System.out.println("Connect " + version + " plugins: " + listed);
        assertEquals(List.of(), missing, "bundle plugins Connect " + version + " did not load");
    }

    @TestFactory
    Stream<DynamicNode> shippedConfigs() {
        return ConfigValidation.tests(rest);
    }
}
