package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.KafkaBrokerProcesses;

/**
 * Crashes of the platform under the pipeline, while vendor events stream: Connect workers of a 3-worker cluster
 * SIGKILLed (nothing committed or handed over) until every connector that moves data has lost a task that way, a broker
 * of the 3-broker core cluster SIGKILLed, the edge cluster's only broker restarted (an edge outage). Workers and core
 * brokers are separate JVMs ({@link ConnectWorkers}, {@link KafkaBrokerProcesses}); source connectors run exactly-once,
 * as the shipped configs of the local environment have it (workers {@code exactly.once.source.support=enabled},
 * connectors {@code exactly.once.support=required}). Afterwards the exact accounting holds: every odds update the model
 * expects is published once, at the edge and in bronze, and nothing is on any topic twice.
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

    /** The connectors a killed worker must have run a task of, at least once each over the test. */
    static final Set<Pipeline.Stage> KILLED_TASKS = EnumSet.of(Pipeline.Stage.VENDOR_TO_CORE, Pipeline.Stage.ODDS_SINK,
            Pipeline.Stage.ODDS_SOURCE, Pipeline.Stage.CORE_TO_EDGE, Pipeline.Stage.BRONZE);

    /**
     * About 50 events/s. Workers are SIGKILLed one after another, each chosen for the tasks it runs, until a killed
     * worker has run a task of every connector that moves data (vendor-to-core, odds-sink, odds-source, core-to-edge,
     * bronze-s3-sink); after each kill its tasks must be RUNNING on other workers (the kill was felt: they moved), and a
     * new worker replaces it. Then the core broker leading the most of the pipeline's partitions is
     * SIGKILLed (felt: its partitions get new leaders) and restarted (topics have 3 replicas, min.insync.replicas 2, so
     * producers with acks=all go on); then the edge's broker does (the core→edge hop waits
     * for it). Source connectors run exactly-once: a killed task's open transaction is aborted and its successor resumes
     * from the offsets committed with the last transaction; the odds sink resumes from the offsets it stores with its
     * Redis writes. So every expected odds update is published exactly once, and no vendor event or odds update is on
     * any topic twice.
     */
    @Test
    void killedWorkersAndRestartedBrokersLoseNothing() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 9L);
        ConnectWorkers workers = pipeline.workers();
        Set<Pipeline.Stage> killed = EnumSet.noneOf(Pipeline.Stage.class);
        try (PipelineTally tally = new PipelineTally(pipeline, sim); VendorSimulator.Feed feed = sim.feed(20)) { // ~50 events/s
            Thread.sleep(PAUSE_MS);
            for (int kill = 1; !killed.containsAll(KILLED_TASKS); kill++) {
                assertTrue(kill <= 4, "after 4 kills, never killed a worker running a task of " + without(KILLED_TASKS, killed));
                Map<String, List<String>> before = awaitAllRunning(null);
                String victim = before.entrySet().stream().max(Comparator.comparingInt(
                        (Map.Entry<String, List<String>> e) -> without(stagesWithTasks(e.getValue()), killed).size())
                        .thenComparingInt(e -> e.getValue().size())).orElseThrow().getKey();
                Set<Pipeline.Stage> running = stagesWithTasks(before.get(victim));
                System.out.println("kill " + kill + ": placement " + before + "; killing " + victim + " running tasks of " + running);
                workers.kill(workers.indexOf(victim));
                Map<String, List<String>> after = awaitAllRunning(victim);
                System.out.println("kill " + kill + ": placement after " + after);
                for (Pipeline.Stage stage : running) {
                    assertTrue(after.values().stream().flatMap(List::stream).anyMatch(t -> t.startsWith(stage.connector + "/")),
                            "the tasks of " + stage.connector + " run again elsewhere: " + after);
                }
                killed.addAll(running);
                workers.add(); // back to three workers, as an autoscaler or an operator would restore capacity
                Thread.sleep(PAUSE_MS);
            }

            // the core broker leading the most of the pipeline's partitions crashes (SIGKILL): no controlled shutdown, its
            // partitions are leaderless until its ZooKeeper session expires and the controller elects new leaders
            KafkaBrokerProcesses brokers = pipeline.coreBrokers();
            Set<String> topics = new java.util.TreeSet<>();
            for (String league : seed.leagues()) {
                topics.add(Pipeline.RAW_PREFIX + league);
                topics.add(Pipeline.INTERNAL_PREFIX + league);
            }
            Map<Integer, List<String>> leaders = brokers.leaders(topics);
            int broker = leaders.entrySet().stream().filter(e -> e.getKey() >= 0).max(Comparator.comparingInt(e -> e.getValue().size()))
                    .orElseThrow().getKey();
            System.out.println("killing core broker " + broker + ", leader of " + leaders.get(broker));
            brokers.kill(broker);
            Map<Integer, List<String>> moved = Map.of();
            for (long end = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
                moved = brokers.leaders(topics);
                if (!moved.containsKey(broker) && !moved.containsKey(-1)) {
                    break;
                }
            }
            assertFalse(moved.containsKey(broker) || moved.containsKey(-1), "the killed broker's partitions got new leaders: " + moved);
            Thread.sleep(PAUSE_MS);
            brokers.restart(broker);
            System.out.println("core broker " + broker + " back; leaders " + brokers.leaders(topics));
            Thread.sleep(PAUSE_MS);

            // the edge has one broker: its restart is an outage of the edge (same ports and data when it comes back)
            System.out.println("restarting the edge's broker");
            pipeline.edge().stopOnlyKafka();
            Thread.sleep(PAUSE_MS);
            pipeline.edge().startOnlyKafkaOnSamePorts();
            Thread.sleep(PAUSE_MS);
            feed.close();

            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            System.out.println("counters: " + tally.counters() + "; " + r.odds());
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            // exactly-once all along: no replayed record upstream of the edge either
            assertEquals(0, tally.counted("duplicate.raw"), "vendor events on raw.events.* twice");
            assertEquals(0, tally.counted("duplicate.internal"), "odds updates on odds.updates.internal.* twice");
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 1_000, "priced: " + r.get(PipelineTally.Outcome.PRICED).size());
            assertEquals(List.of(), pipeline.notRunning(), "connectors or tasks not running");
            long lag = pipeline.awaitBronzeCommitted(Duration.ofSeconds(120));
            assertEquals(0, lag, "internal odds updates not committed to bronze");
            PipelineTally.BronzeReconciliation rows = tally.reconcileBronze();
            assertEquals(Map.of(), rows.problems(), "bronze rows against the model's odds updates: " + rows);
            PipelineTally.ClickHouseReconciliation ch = tally.reconcileClickHouse(Duration.ofSeconds(120));
            assertEquals(Map.of(), ch.problems(), "ClickHouse (FINAL) against the model's odds updates: " + ch);
        }
    }

    /** The connectors with a task among {@code placed} (entries like {@code odds-sink/0 RUNNING}). */
    private static Set<Pipeline.Stage> stagesWithTasks(List<String> placed) {
        Set<Pipeline.Stage> out = EnumSet.noneOf(Pipeline.Stage.class);
        for (Pipeline.Stage stage : Pipeline.Stage.values()) {
            if (placed.stream().anyMatch(t -> t.startsWith(stage.connector + "/"))) {
                out.add(stage);
            }
        }
        return out;
    }

    private static Set<Pipeline.Stage> without(Set<Pipeline.Stage> stages, Set<Pipeline.Stage> removed) {
        Set<Pipeline.Stage> out = EnumSet.noneOf(Pipeline.Stage.class);
        out.addAll(stages);
        out.removeAll(removed);
        return out;
    }

    /**
     * Waits until every connector and task is RUNNING, on a worker other than {@code dead} (null: any); returns the
     * placement then.
     */
    private static Map<String, List<String>> awaitAllRunning(String dead) throws InterruptedException {
        Map<String, List<String>> placement = Map.of();
        for (long end = System.currentTimeMillis() + 120_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            try {
                placement = pipeline.placement();
            } catch (RuntimeException | AssertionError notNow) {
                continue; // a rebalance in progress
            }
            boolean moved = (dead == null || !placement.containsKey(dead))
                    && placement.values().stream().flatMap(List::stream).allMatch(s -> s.endsWith(" RUNNING"));
            if (moved) {
                return placement;
            }
        }
        assertFalse(dead != null && placement.containsKey(dead), "work still on the killed worker " + dead + ": " + placement);
        throw new AssertionError("connectors or tasks not RUNNING on the surviving workers: " + placement);
    }
}
