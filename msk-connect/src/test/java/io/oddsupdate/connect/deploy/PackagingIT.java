package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks every ZIP we ship as an MSK Connect custom plugin (one per plugin module, and the bundle) the way a worker
 * would meet it: what is in {@code lib/}, whether {@code plugin.discovery=service_load} can find each plugin class, and
 * whether the Confluent Hub manifest describes what is inside. Sizes are printed (see the test's output file).
 */
class PackagingIT {

    private static final List<PluginZip> ZIPS = new ArrayList<>();
    private static PluginZip bundle;

    @BeforeAll
    static void unpack() {
        for (Path zip : Bundles.pluginZips()) {
            ZIPS.add(PluginZip.unpack(zip));
        }
        bundle = PluginZip.unpack(Bundles.bundleZip());
        ZIPS.add(bundle);
    }

    @TestFactory
    Stream<DynamicTest> everyPluginModuleIsPackaged() {
        // Visible as skipped (not passed) until the module's owner adds src/main/plugin/manifest.json.
        return Bundles.PLUGIN_MODULES.stream().map(m -> DynamicTest.dynamicTest(m,
                () -> assumeTrue(Bundles.isPackaged(m), m + " has no src/main/plugin/manifest.json yet: not packaged")));
    }

    @TestFactory
    Stream<DynamicTest> noZipShipsKafkaConnectJacksonOrSlf4j() {
        return ZIPS.stream().map(z -> DynamicTest.dynamicTest(z.name(), () -> {
            assertEquals(List.of(), z.workerProvidedJars(), z.name() + " ships jars the Connect worker provides");
            assertEquals(List.of(), z.mirrorJarsOfAnotherVersion(System.getProperty("oddsupdate.kafka.version")),
                    z.name() + ": MirrorMaker's jars must be the runtime's version");
            assertEquals(List.of(), z.workerProvidedClasses(), z.name() + " repackages classes the Connect worker provides");
        }));
    }

    @TestFactory
    Stream<DynamicTest> noClassIsDefinedTwiceInAZip() {
        return ZIPS.stream().map(z -> DynamicTest.dynamicTest(z.name(), () -> {
            // Identical copies (parquet's jars each carry the same shaded fastutil classes) cannot conflict.
            List<String> dups = z.conflictingClasses().entrySet().stream()
                    .map(e -> e.getKey() + " in " + e.getValue()).limit(20).toList();
            assertEquals(List.of(), dups, z.name() + ": one plugin class loader would see only the first of these");
        }));
    }

    @TestFactory
    Stream<DynamicTest> serviceManifestsListExactlyThePluginClasses() {
        return ZIPS.stream().map(z -> DynamicTest.dynamicTest(z.name(), () -> {
            Map<String, Set<String>> found = z.pluginClasses();
            // Connect never reads a ReplicationPolicy manifest (MirrorMaker loads the policy by class name from its own
            // loader), so one is checked when present but not required.
            found.remove("org.apache.kafka.connect.mirror.ReplicationPolicy");
            Map<String, Set<String>> declared = z.serviceEntries();
            List<String> problems = new ArrayList<>();
            for (String iface : PluginZip.PLUGIN_INTERFACES.keySet()) {
                Set<String> f = found.getOrDefault(iface, Set.of());
                Set<String> d = declared.getOrDefault(iface, Set.of());
                for (String c : f) {
                    if (!d.contains(c)) {
                        problems.add(c + " implements " + iface + " but META-INF/services/" + iface + " does not list it");
                    }
                }
                for (String c : d) {
                    if (!f.contains(c) && c.startsWith("io.oddsupdate.")) {
                        problems.add("META-INF/services/" + iface + " lists " + c + ", which is not a public concrete " + iface
                                + " with a public no-arg constructor in our jars");
                    }
                }
            }
            System.out.printf("%s plugin classes: %s%n", z.name(), found);
            assertEquals(List.of(), problems, z.name());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyClassOurCodeRefersToIsInTheZipOrTheWorker() {
        return ZIPS.stream().map(z -> DynamicTest.dynamicTest(z.name(), () -> {
            Map<String, Set<String>> missing = z.unresolvedReferences();
            assertEquals(Map.of(), missing, z.name() + ": our classes refer to classes neither the ZIP nor the worker has "
                    + "(NoClassDefFoundError when that code runs): a dependency missing from lib/");
        }));
    }

    @Test
    void constantPoolReaderSeesWhatAClassRefersTo() throws Exception {
        // keeps the check above from passing vacuously: this class refers to PluginZip and to JUnit's Assertions
        byte[] self;
        try (var in = PackagingIT.class.getResourceAsStream("PackagingIT.class")) {
            self = in.readAllBytes();
        }
        Set<String> refs = PluginZip.classReferences(self);
        assertTrue(refs.contains(PluginZip.class.getName()) && refs.contains("org.junit.jupiter.api.Assertions"), refs.toString());
        assertFalse(refs.stream().anyMatch(r -> r.startsWith("java.")), refs.toString());
    }

    @TestFactory
    Stream<DynamicTest> manifestIsConfluentHubStyleAndNamesTheComponentTypesInside() {
        return ZIPS.stream().map(z -> DynamicTest.dynamicTest(z.name(), () -> {
            JsonNode m = z.manifest();
            for (String field : List.of("name", "version", "title", "description")) {
                assertFalse(m.path(field).asText().isBlank(), z.name() + ": manifest.json has no " + field);
            }
            assertEquals(Bundles.version(), m.path("version").asText(), z.name() + ": manifest.json version");
            assertFalse(m.path("owner").path("username").asText().isBlank(), z.name() + ": manifest.json has no owner.username");
            assertFalse(m.path("license").path(0).path("name").asText().isBlank(), z.name() + ": manifest.json has no license[0].name");
            Set<String> declared = new TreeSet<>();
            m.path("component_types").forEach(t -> declared.add(t.asText()));
            assertFalse(declared.isEmpty(), z.name() + ": manifest.json has no component_types");
            Set<String> inside = new TreeSet<>();
            z.pluginClasses().keySet().forEach(iface -> inside.add(PluginZip.PLUGIN_INTERFACES.get(iface)));
            inside.remove("");
            assertTrue(declared.containsAll(inside), z.name() + ": component_types " + declared + " but the ZIP holds " + inside);
        }));
    }

    @Test
    void bundleHoldsEveryPluginsJarsOnceAndEveryPluginClass() {
        Set<String> union = new TreeSet<>();
        Map<String, Set<String>> services = new TreeMap<>();
        for (PluginZip z : ZIPS) {
            if (z == bundle) {
                continue;
            }
            z.jars().forEach(p -> union.add(p.getFileName().toString()));
            z.serviceEntries().forEach((k, v) -> services.computeIfAbsent(k, x -> new TreeSet<>()).addAll(v));
        }
        Set<String> inBundle = new TreeSet<>();
        bundle.jars().forEach(p -> inBundle.add(p.getFileName().toString()));
        // Same jar file names: a plugin's library is not silently swapped for another version inside the bundle.
        assertTrue(inBundle.containsAll(union), "bundle lacks " + diff(union, inBundle));

        assertEquals(List.of(), bundle.artifactsInTwoVersions(), "bundle holds two versions of an artifact");

        Map<String, Set<String>> bundleServices = bundle.serviceEntries();
        services.forEach((iface, classes) -> assertTrue(bundleServices.getOrDefault(iface, Set.of()).containsAll(classes),
                "bundle META-INF/services/" + iface + " lacks " + diff(classes, bundleServices.getOrDefault(iface, Set.of()))));
    }

    @Test
    void printSizes() {
        StringBuilder table = new StringBuilder("| ZIP | bytes | MiB | jars |\n|---|---:|---:|---:|\n");
        for (PluginZip z : ZIPS) {
            table.append(String.format(Locale.ROOT, "| `%s` | %,d | %.2f | %d |%n",
                    z.name(), z.sizeBytes(), z.sizeBytes() / 1048576.0, z.jars().size()));
        }
        System.out.print(table);
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }
}
