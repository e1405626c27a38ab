package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConnectWorkers;
import kafka.server.KafkaServer;

/**
 * Faults of the platform under the pipeline, while vendor events stream: a Connect worker of a 3-worker cluster killed
 * (SIGKILL, nothing committed or handed over), then a broker of the 3-broker core cluster restarted, then the edge
 * cluster's only broker restarted (an edge outage). The workers are separate JVMs ({@link ConnectWorkers}); source
 * connectors run exactly-once, as the shipped configs of the local environment have it (workers
 * {@code exactly.once.source.support=enabled}, connectors {@code exactly.once.support=required}). Afterwards every vendor event is accounted
 * for, no {@code event_uid} reached the edge twice, and bronze holds every internal odds update.
 */
class ClusterFaultsIT {

    static final long PAUSE_MS = 8_000;

    static SeedData seed;
    static Pipeline pipeline;

    @BeforeAll
    static void start() {
        seed = SeedData.load();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()).withWorkerProcesses(3).withCoreBrokers(3));
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /**
     * About 50 events/s. The worker running a core→edge task (the hop whose source offsets live on the edge, not on the
     * workers' cluster), and of those the one running the most connectors and tasks, is killed: its work moves to the two
     * survivors (statuses show every connector and task RUNNING on them). Then one core broker shuts down and comes
     * back (topics have 3 replicas, min.insync.replicas 2, so producers with acks=all go on); then the edge's broker
     * does (the core→edge hop waits for it). Source connectors run exactly-once: a killed task's open transaction is
     * aborted and its successor resumes from the offsets committed with the last transaction, so nothing reaches the
     * edge twice (at-least-once, the replay after the kill put duplicates there; the odds sink's applied-event sets
     * only absorb replayed vendor events).
     */
    @Test
    void aKilledWorkerAndRestartedBrokersLoseNothing() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 9L);
        ConnectWorkers workers = pipeline.workers();
        try (PipelineTally tally = new PipelineTally(pipeline, sim); VendorSimulator.Feed feed = sim.feed(20)) { // ~50 events/s
            Thread.sleep(PAUSE_MS);

            Map<String, List<String>> before = pipeline.placement();
            String victim = before.entrySet().stream().max(Comparator.<Map.Entry<String, List<String>>>comparingInt(
                    e -> e.getValue().stream().anyMatch(w -> w.startsWith(Pipeline.Stage.CORE_TO_EDGE.connector + "/")) ? 1 : 0)
                    .thenComparingInt(e -> e.getValue().size())).orElseThrow().getKey();
            System.out.println("placement before the kill: " + before + "; killing " + victim);
            workers.kill(workers.indexOf(victim));
            Map<String, List<String>> after = awaitMovedFrom(victim);
            System.out.println("placement after the kill: " + after);
            Thread.sleep(PAUSE_MS);

            KafkaServer broker = pipeline.core().runningBrokers().iterator().next();
            System.out.println("restarting core broker " + broker.config().brokerId());
            broker.shutdown();
            broker.awaitShutdown();
            Thread.sleep(PAUSE_MS);
            broker.startup();
            for (long end = System.currentTimeMillis() + 60_000; pipeline.core().runningBrokers().size() < 3 && System.currentTimeMillis() < end; ) {
                Thread.sleep(250);
            }
            assertEquals(3, pipeline.core().runningBrokers().size(), "the core broker came back");
            Thread.sleep(PAUSE_MS);

            // the edge has one broker: its restart is an outage of the edge (same ports and data when it comes back)
            System.out.println("restarting the edge's broker");
            pipeline.edge().stopOnlyKafka();
            Thread.sleep(PAUSE_MS);
            pipeline.edge().startOnlyKafkaOnSamePorts();
            Thread.sleep(PAUSE_MS);
            feed.close();

            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            System.out.println("counters: " + tally.counters());
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            // exactly-once all along: no replayed record upstream of the edge either
            assertEquals(0, tally.counted("duplicate.raw"), "vendor events on raw.events.* twice");
            assertEquals(0, tally.counted("duplicate.internal"), "odds updates on odds.updates.internal.* twice");
            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
                assertTrue(s.kind().malformed, "a valid event was dead-lettered: " + s + " " + tally.reason(s));
            }
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 1_000, "priced: " + r.get(PipelineTally.Outcome.PRICED).size());
            assertEquals(List.of(), pipeline.notRunning(), "connectors or tasks not running");
            long lag = pipeline.awaitBronzeCommitted(Duration.ofSeconds(120));
            assertEquals(0, lag, "internal odds updates not committed to bronze");
        }
    }

    /** Waits until every connector and task runs on a worker other than {@code dead}; returns the placement then. */
    private static Map<String, List<String>> awaitMovedFrom(String dead) throws InterruptedException {
        Map<String, List<String>> placement = Map.of();
        for (long end = System.currentTimeMillis() + 120_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            try {
                placement = pipeline.placement();
            } catch (RuntimeException | AssertionError notNow) {
                continue; // a rebalance in progress
            }
            boolean moved = !placement.containsKey(dead) && placement.values().stream().flatMap(List::stream).allMatch(s -> s.endsWith(" RUNNING"));
            if (moved) {
                return placement;
            }
        }
        assertFalse(placement.containsKey(dead), "work still on the killed worker " + dead + ": " + placement);
        throw new AssertionError("connectors or tasks not RUNNING on the surviving workers: " + placement);
    }
}
