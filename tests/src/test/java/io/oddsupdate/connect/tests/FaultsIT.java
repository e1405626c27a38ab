package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outages while vendor events stream through the whole pipeline: Redis (the odds connectors' state and streams),
 * PostgreSQL (reference data) and S3 (bronze) each go away for a while and come back. Afterwards every vendor event is
 * accounted for, no {@code event_uid} reached the edge twice, and bronze holds every internal odds update.
 */
class FaultsIT {

    static final long OUTAGE_MS = 8_000;

    static SeedData seed;
    static Pipeline pipeline;

    @BeforeAll
    static void start() {
        seed = SeedData.load();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()));
        for (Pipeline.Stage stage : Pipeline.Stage.values()) {
            assertTrue(pipeline.running(stage), stage + ": " + pipeline.stages().get(stage));
        }
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void redisPostgresAndS3OutagesLoseNothing() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 5L);
        AtomicBoolean feeding = new AtomicBoolean(true);
        Thread vendor = new Thread(() -> {
            // ~50 events/s until told to stop
            while (feeding.get() && sim.sendNext()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "vendor-feed");
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            vendor.start();
            Thread.sleep(OUTAGE_MS);
            pipeline.redis().stop();
            Thread.sleep(OUTAGE_MS);
            pipeline.redis().restart();
            Thread.sleep(OUTAGE_MS);
            pipeline.postgres().stop();
            Thread.sleep(OUTAGE_MS);
            pipeline.postgres().restart();
            Thread.sleep(OUTAGE_MS);
            pipeline.s3().pause();
            Thread.sleep(OUTAGE_MS);
            pipeline.s3().resume();
            Thread.sleep(OUTAGE_MS);
            feeding.set(false);
            vendor.join(10_000);
            sim.flush();

            Map<PipelineTally.Outcome, List<VendorSimulator.Sent>> r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost in the outages");
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
                assertTrue(s.kind().malformed, "a valid event was dead-lettered in an outage: " + s + " " + tally.reason(s));
            }
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 1_000, "priced: " + r.get(PipelineTally.Outcome.PRICED).size());
            long lag = pipeline.bronzeLag();
            for (long end = System.currentTimeMillis() + 120_000; lag != 0 && System.currentTimeMillis() < end; lag = pipeline.bronzeLag()) {
                Thread.sleep(1000);
            }
            assertEquals(0, lag, "internal odds updates not committed to bronze after the S3 outage");
        } finally {
            feeding.set(false);
            vendor.interrupt();
        }
    }
}
