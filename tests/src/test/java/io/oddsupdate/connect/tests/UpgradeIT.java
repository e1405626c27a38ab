package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * An upgrade as MSK Connect requires it, mid-stream: a custom plugin cannot be updated in place, so every connector is
 * deleted and created again under the same name on workers that carry the new bundle version, in the order the deploy
 * tooling's upgrade plan gives ({@code msk-connect/target/deploy/prod/msk/upgrade-plan.json}: downstream first). The
 * connectors resume from their committed offsets (the workers' offsets topic, pinned as the MSK environments pin
 * {@code offset.storage.topic}; core→edge's own topic on the edge; the sinks' consumer groups; the odds sink's Redis
 * offsets), so the vendor hop does not replay the vendor's retention and nothing is lost or published twice.
 */
class UpgradeIT {

    static final long PAUSE_MS = 8_000;
    static final Path PLAN = PluginPath.projectRoot().resolve("msk-connect/target/deploy/prod/msk/upgrade-plan.json");

    static SeedData seed;
    static Pipeline pipeline;
    static Path upgraded;

    @BeforeAll
    static void start() {
        seed = SeedData.load();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()).withWorkerProcesses(2));
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (upgraded != null) {
            TempDirs.deleteRecursively(upgraded);
        }
    }

    @Test
    void everyConnectorDeletedAndCreatedOnANewPluginVersionLosesAndRepeatsNothing() throws Exception {
        List<Pipeline.Stage> order = upgradeOrder();
        assertEquals(Pipeline.Stage.values().length, order.size(), "the upgrade plan names every connector: " + order);
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 13L);
        try (PipelineTally tally = new PipelineTally(pipeline, sim); VendorSimulator.Feed feed = sim.feed(20)) { // ~50 events/s
            Thread.sleep(PAUSE_MS);
            List<Path> newBundle = List.of(newVersion(pipeline.plugins().get(0), "0.1.0-upgrade"));

            Map<String, Long> before = vendorHopOffsets(); // committed so far (a lower bound of where it stops)
            for (Pipeline.Stage stage : order) {
                pipeline.deleteConnector(stage); // the vendor keeps sending meanwhile
            }
            long rawBefore = rawCount(tally);
            pipeline.replaceWorkers(newBundle);
            for (Pipeline.Stage stage : order) {
                pipeline.createConnector(stage);
            }
            System.out.println("upgraded to " + newBundle + " in the order " + order + "; vendor hop offsets at deletion " + before);
            Thread.sleep(PAUSE_MS);
            Map<String, Long> after = vendorHopOffsets();
            for (Map.Entry<String, Long> e : before.entrySet()) {
                assertTrue(after.getOrDefault(e.getKey(), -1L) >= e.getValue(),
                        "the vendor hop resumed from its committed offset, not the start of the vendor's retention: " + e + " then " + after);
            }
            feed.close();

            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            System.out.println("counters: " + tally.counters() + "; " + r.odds() + "; raw.events before the re-creation " + rawBefore);
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost across the upgrade");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            // the vendor hop re-read nothing it had committed: no vendor event reached raw.events.* twice
            assertEquals(0, tally.counted("duplicate.raw"), "vendor events copied to raw.events.* again after the upgrade");
            assertEquals(0, tally.counted("duplicate.internal"), "odds updates on odds.updates.internal.* twice");
            assertEquals(List.of(), pipeline.notRunning(), "connectors or tasks not running after the upgrade");
            long lag = pipeline.awaitBronzeCommitted(Duration.ofSeconds(120));
            assertEquals(0, lag, "internal odds updates not committed to bronze");
            PipelineTally.BronzeReconciliation rows = tally.reconcileBronze();
            assertEquals(Map.of(), rows.problems(), "bronze rows against the model's odds updates: " + rows);
            PipelineTally.ClickHouseReconciliation ch = tally.reconcileClickHouse(Duration.ofSeconds(120));
            assertEquals(Map.of(), ch.problems(), "ClickHouse (FINAL) against the model's odds updates: " + ch);
        }
    }

    /** The deploy tooling's upgrade order (downstream first), as its plan file for the prod environment has it. */
    private static List<Pipeline.Stage> upgradeOrder() throws IOException {
        assertTrue(Files.exists(PLAN), PLAN + " is rendered by the msk-connect build (mvn package)");
        List<Pipeline.Stage> order = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(PLAN.toFile()).path("connectors")) {
            String name = c.path("name").asText();
            order.add(Arrays.stream(Pipeline.Stage.values()).filter(s -> s.connector.equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("the upgrade plan names " + name + ", which the pipeline does not run")));
        }
        return order;
    }

    /** The vendor hop's committed source offsets (per vendor topic partition), as Connect's REST API reports them. */
    private static Map<String, Long> vendorHopOffsets() {
        Map<String, Long> out = new HashMap<>();
        for (JsonNode o : pipeline.rest().offsets(Pipeline.Stage.VENDOR_TO_CORE.connector).path("offsets")) {
            if (o.path("partition").has("topic")) {
                out.put(o.path("partition").path("topic").asText() + "-" + o.path("partition").path("partition").asInt(),
                        o.path("offset").path("offset").asLong());
            }
        }
        return out;
    }

    private static long rawCount(PipelineTally tally) {
        return seed.leagues().stream().mapToLong(l -> tally.counted("raw." + l)).sum();
    }

    /**
     * The bundle under a new version, as a release uploads a new custom plugin: the same jars in a plugin directory named
     * for the version, and the manifest's version.
     */
    private static Path newVersion(Path bundle, String version) throws IOException {
        upgraded = Files.createTempDirectory("odds-update-upgrade-");
        Path out = upgraded.resolve("odds-update-bundle-" + version + ".zip");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(bundle));
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                int slash = name.indexOf('/');
                String renamed = "odds-update-bundle-" + version + (slash < 0 ? "" : name.substring(slash));
                zip.putNextEntry(new ZipEntry(renamed));
                if (!e.isDirectory()) {
                    byte[] bytes = in.readAllBytes();
                    if (name.endsWith("manifest.json")) {
                        JsonNode m = new ObjectMapper().readTree(bytes);
                        ((com.fasterxml.jackson.databind.node.ObjectNode) m).put("version", version);
                        bytes = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
                    }
                    zip.write(bytes);
                }
                zip.closeEntry();
            }
        }
        return out;
    }
}
