package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Outages while vendor events stream through the whole pipeline: Redis (the odds connectors' state and streams),
 * PostgreSQL (reference data), S3 (bronze) and the vendor cluster's broker each go away for a while and come back. Afterwards every vendor event is
 * accounted for, no {@code event_uid} reached the edge twice, and bronze holds every internal odds update. And a poison
 * record in every stage: each is dead-lettered with its reason by the stage it reaches, and every task keeps running.
 */
class FaultsIT {

    static final long OUTAGE_MS = 8_000;

    static SeedData seed;
    static Pipeline pipeline;

    @BeforeAll
    static void start() {
        seed = SeedData.load();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()));
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /**
     * About 50 vendor events/s for a minute; meanwhile Redis, then PostgreSQL, then S3, then the vendor cluster's broker
     * go away for {@value #OUTAGE_MS} ms each. Before that, a poison record in every stage: at the vendor hop every malformed kind
     * (bad JSON, no game id, wrong type, oversized); at the odds sink events that fit raw-event/v1 but cannot be priced
     * (unknown game, a league the game is not in); at the odds source an entry in a league's Redis stream the sink
     * cannot have written; at the core→edge hop and the bronze sink records on {@code odds.updates.internal.nba} that
     * are not odds updates (not JSON or Avro at all; JSON with a mistyped field; a tombstone). Each ends in the DLQ of the stage that
     * refused it with the reason, and no connector or task failed. (One vendor feed per pipeline: a second one would
     * replay the same event ids, which the odds sink drops as duplicates.)
     */
    @Test
    void outagesAndAPoisonRecordInEveryStageLoseNothing() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 5L);
        String probe = UUID.randomUUID().toString();
        List<byte[]> internalPoison = java.util.Arrays.asList(
                ("\u0000\u0001not an odds update " + probe).getBytes(StandardCharsets.UTF_8),
                VendorSimulator.json(Map.of("event_uid", probe + "-mistyped", "event_ts", 1_795_000_000_000L, "league", "nba",
                        "game_id", probe, "market", "moneyline", "odds", "evens", "model_version", "probe")),
                null); // a tombstone: no public meaning, so the edge hop dead-letters it (Sanitize tombstones=dead.letter)
        try (PipelineTally tally = new PipelineTally(pipeline, sim); VendorSimulator.Feed feed = sim.feed(20)) { // ~50 events/s
            Thread.sleep(OUTAGE_MS);
            for (VendorSimulator.Kind kind : VendorSimulator.Kind.handled()) {
                sim.sendMalformed(kind);
            }
            // the odds source: an entry in the nba stream that is not an odds update
            String stream = "odds:{nba}:stream";
            StreamEntryID corrupt;
            try (Jedis redis = new Jedis(pipeline.redis().url())) {
                corrupt = redis.xadd(stream, (StreamEntryID) null, Map.of("u", "{\"event_uid\": " + probe));
            }
            // the core→edge hop and bronze: records on an internal topic that are not odds updates
            for (byte[] value : internalPoison) {
                pipeline.inject(Pipeline.INTERNAL_PREFIX + "nba", probe, value, new RecordHeaders()
                        .add("league", "nba".getBytes(StandardCharsets.UTF_8)).add("game_id", probe.getBytes(StandardCharsets.UTF_8)));
            }
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
            // the vendor's only broker restarted (same ports and data): the feed's producer and the vendor hop wait
            pipeline.vendor().stopOnlyKafka();
            Thread.sleep(OUTAGE_MS);
            pipeline.vendor().startOnlyKafkaOnSamePorts();
            Thread.sleep(OUTAGE_MS);
            feed.close();

            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost in the outages");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            Set<VendorSimulator.Kind> deadKinds = new TreeSet<>();
            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
                assertTrue(s.kind().malformed, "a valid event was dead-lettered in an outage: " + s + " " + tally.reason(s));
                assertTrue(tally.reason(s) != null && !"null".equals(tally.reason(s)), "dead-lettered without a reason: " + s);
                deadKinds.add(s.kind());
            }
            assertEquals(new TreeSet<>(VendorSimulator.Kind.handled()), deadKinds, "malformed kinds dead-lettered at the vendor hop or the odds sink");
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 1_000, "priced: " + r.get(PipelineTally.Outcome.PRICED).size());

            try (Jedis redis = new Jedis(pipeline.redis().url())) { // Redis restarted since the last connection
                List<StreamEntry> moved = redis.xrange("odds:{nba}:dead-letters", corrupt, corrupt);
                assertEquals(1, moved.size(), "the corrupt stream entry is in the league's dead-letter stream");
                assertTrue(moved.get(0).getFields().get("__dead_letter.reason").startsWith("OddsSourceConnector: unreadable entry " + corrupt),
                        moved.get(0).getFields().toString());
                assertEquals(0, redis.xlen(stream), "the source went on past it and trimmed the stream");
            }
            for (byte[] value : internalPoison) {
                String what = PipelineTally.string(value);
                String edge = await(() -> tally.deadLetterReason(Pipeline.PUBLIC_DLQ, value));
                assertTrue(edge != null && edge.matches(value == null ? "^sanitize: tombstone: .+" : "^(sanitize|enforce): .+"),
                        "edge DLQ reason of " + what + ": " + edge);
                // internal updates are Glue-Avro: the bronze sink refuses all three (a tombstone is not an odds update either)
                String bronze = await(() -> tally.deadLetterReason(Pipeline.BRONZE_DLQ, value));
                assertTrue(bronze != null && !"null".equals(bronze), "bronze DLQ reason of " + what + ": " + bronze);
            }
            assertEquals(List.of(), pipeline.notRunning(), "connectors or tasks not running");

            long lag = pipeline.awaitBronzeCommitted(Duration.ofSeconds(120));
            assertEquals(0, lag, "internal odds updates (and poison records) not committed by bronze after the S3 outage");
        }
    }

    private static String await(java.util.function.Supplier<String> value) throws InterruptedException {
        String v = value.get();
        for (long end = System.currentTimeMillis() + 30_000; v == null && System.currentTimeMillis() < end; v = value.get()) {
            Thread.sleep(250);
        }
        return v;
    }
}
