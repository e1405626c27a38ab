package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectRest;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * The bundle ZIP in a real Connect 3.7.2 worker ({@code plugin.discovery=service_load}), next to two other plugins that
 * ship different versions of one shared library: the worker finds every plugin class of the bundle exactly once, and
 * each of the other two sees its own library version.
 */
class BundleWorkerIT {

    /** Service manifests of these interfaces are what {@code GET /connector-plugins} lists. */
    private static final Map<String, String> LISTED_TYPES = Map.of(
            "org.apache.kafka.connect.source.SourceConnector", "source",
            "org.apache.kafka.connect.sink.SinkConnector", "sink",
            "org.apache.kafka.connect.transforms.Transformation", "transformation",
            "org.apache.kafka.connect.transforms.predicates.Predicate", "predicate",
            "org.apache.kafka.connect.storage.Converter", "converter",
            "org.apache.kafka.connect.storage.HeaderConverter", "header_converter");

    private static Path pluginPath;
    private static PluginZip bundle;
    private static EmbeddedConnectCluster connect;
    private static ConnectRest rest;

    @BeforeAll
    static void start() {
        pluginPath = PluginPath.fromZips(List.of(Bundles.bundleZip()));
        IsolationPlugins.writeInto(pluginPath);
        bundle = PluginZip.unpack(Bundles.bundleZip());
        connect = ConnectClusters.builder("bundle-worker", pluginPath).build();
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

    @Test
    void workerListsEveryBundlePluginClassOnceWithItsType() {
        Map<String, List<String>> listed = new TreeMap<>();
        for (JsonNode p : rest.plugins()) {
            listed.computeIfAbsent(p.path("class").asText(), k -> new java.util.ArrayList<>()).add(p.path("type").asText());
        }
        Set<String> missing = new TreeSet<>();
        bundle.serviceEntries().forEach((iface, classes) -> {
            String type = LISTED_TYPES.get(iface);
            if (type == null) {
                return;
            }
            for (String c : classes) {
                List<String> types = listed.getOrDefault(c, List.of());
                if (!types.contains(type)) {
                    missing.add(c + " as " + type + " (listed: " + types + ")");
                }
            }
        });
        assertEquals(Set.of(), missing, "plugins the bundle declares but the worker did not load");
        listed.forEach((cls, types) -> assertEquals(new TreeSet<>(types).size(), types.size(), cls + " is loaded more than once: " + types));
        System.out.println("worker plugins: " + listed);
    }

    @Test
    void pluginsWithDifferentVersionsOfASharedLibraryStayIsolated() {
        Map<String, String> versions = new HashMap<>();
        for (JsonNode p : rest.plugins()) {
            versions.put(p.path("class").asText(), p.path("version").asText());
        }
        assertEquals("1.0", versions.get(IsolationPlugins.A), "plugin A must see its own shared library 1.0");
        assertEquals("2.0", versions.get(IsolationPlugins.B), "plugin B must see its own shared library 2.0");

        // The same through connector validation, which instantiates each transform in its plugin's class loader.
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector");
        config.put("source.cluster.alias", "a");
        config.put("target.cluster.alias", "b");
        config.put("transforms", "a,b");
        config.put("transforms.a.type", IsolationPlugins.A);
        config.put("transforms.b.type", IsolationPlugins.B);
        JsonNode v = rest.validate(config);
        assertEquals("1.0", ConnectRest.definition(v, "transforms.a.shared.lib.version").path("default_value").asText());
        assertEquals("2.0", ConnectRest.definition(v, "transforms.b.shared.lib.version").path("default_value").asText());
        assertTrue(ConnectRest.errors(v).stream().noneMatch(e -> e.startsWith("transforms.")), ConnectRest.errors(v).toString());
    }
}
