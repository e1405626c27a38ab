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
 * Crashes and outages while vendor events stream through the whole pipeline, each inflicted the hard way and each shown
 * to have been felt: Redis SIGKILLed (the odds connectors' state and streams), PostgreSQL SIGKILLed while the odds sink
 * must reload its reference data (a game added just before), S3 down for longer than the bronze sink's retry window, the
 * vendor cluster's broker restarted. Afterwards the exact accounting holds: every odds update the model expects is
 * published exactly once, at the edge and in bronze. And a poison record in every stage: each is dead-lettered with its
 * reason by the stage it reaches, and every task keeps running.
 */
class FaultsIT {

    static final long OUTAGE_MS = 8_000;
    /** Longer than the bronze sink's S3 retry window in this test (two attempts, at most a second of backoff). */
    static final long S3_OUTAGE_MS = 15_000;

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
     * About 50 vendor events/s for about a minute and a half. Before the faults, a poison record in every stage: at the
     * vendor hop every malformed kind (bad JSON, no game id, wrong type, oversized); at the odds sink events that fit
     * raw-event/v1 but cannot be priced (unknown game, a league the game is not in); at the odds source an entry in a
     * league's Redis stream the sink cannot have written; at the core→edge hop and the bronze sink records on
     * {@code odds.updates.internal.nba} that are not odds updates (not JSON or Avro at all; JSON with a mistyped field; a
     * tombstone). Each ends in the DLQ of the stage that refused it with the reason, and no connector or task failed.
     * Then, one after another:
     * <ul>
     *   <li>Redis is SIGKILLed and restarted from its append-only file (the persistence the docs recommend: AOF, fsync
     *   every second). A process crash loses nothing Redis acknowledged. Felt: events sent while it was down were
     *   published only after it came back.</li>
     *   <li>A game is added to PostgreSQL and PostgreSQL is SIGKILLed at once; the vendor starts the new game. The odds
     *   sink must reload its reference data to know the game and cannot: it retries instead of dead-lettering the events
     *   as an unknown game. Felt: the new game's first odds came only after PostgreSQL was back.</li>
     *   <li>S3 refuses connections for longer than the bronze sink's retry window (shortened for this test). Felt: bronze
     *   fell behind, then caught up; no task failed.</li>
     *   <li>The vendor's only broker restarts (same ports and data).</li>
     * </ul>
     */
    @Test
    void crashesOutagesAndAPoisonRecordInEveryStageLoseNothing() throws Exception {
        shortenBronzeRetries();
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 2_000, 0.02, VendorSimulator.Kind.handled(), 5L);
        String probe = UUID.randomUUID().toString();
        List<byte[]> internalPoison = java.util.Arrays.asList(
                ("\u0000\u0001not an odds update " + probe).getBytes(StandardCharsets.UTF_8),
                VendorSimulator.json(Map.of("event_uid", probe + "-mistyped", "event_ts", 1_795_000_000_000L, "league", "nba",
                        "game_id", probe, "market", "moneyline", "odds", "evens", "model_version", "probe")),
                null); // a tombstone: no public meaning, so the edge hop dead-letters it (Sanitize tombstones=dead.letter)
        SeedData.Game template = seed.games().stream().filter(g -> g.league().equals("nba")).findFirst().orElseThrow();
        SeedData.Game late = new SeedData.Game("nba-g-late-" + probe.substring(0, 8), "nba", template.awayTeam(), template.homeTeam(), template.players());
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

            long redisKilled = System.currentTimeMillis();
            pipeline.redis().kill();
            Thread.sleep(OUTAGE_MS);
            long redisBack = System.currentTimeMillis();
            pipeline.redis().restart();
            Thread.sleep(OUTAGE_MS);

            addGame(late);
            pipeline.postgres().kill();
            sim.addGame(late);
            Thread.sleep(OUTAGE_MS);
            long postgresBack = System.currentTimeMillis();
            pipeline.postgres().restart();
            Thread.sleep(OUTAGE_MS);

            pipeline.s3().pause();
            Thread.sleep(S3_OUTAGE_MS);
            long bronzeBehind = pipeline.bronzeLag();
            pipeline.s3().resume();
            Thread.sleep(OUTAGE_MS);

            // the vendor's only broker restarted (same ports and data): the feed's producer and the vendor hop wait
            pipeline.vendor().stopOnlyKafka();
            Thread.sleep(OUTAGE_MS);
            pipeline.vendor().startOnlyKafkaOnSamePorts();
            Thread.sleep(OUTAGE_MS);
            feed.close();

            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(240), () -> { });
            System.out.println("counters: " + tally.counters() + "; " + r.odds());
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events lost in the outages");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks at core and edge (no duplicate event_uid, order, fields)");
            Set<VendorSimulator.Kind> deadKinds = new TreeSet<>();
            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
                deadKinds.add(s.kind());
            }
            assertEquals(new TreeSet<>(VendorSimulator.Kind.handled()), deadKinds, "malformed kinds dead-lettered at the vendor hop or the odds sink");
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 1_000, "priced: " + r.get(PipelineTally.Outcome.PRICED).size());

            // each fault was felt
            List<VendorSimulator.Sent> sent = List.copyOf(sim.sent());
            assertTrue(sent.stream().anyMatch(s -> s.kind() == VendorSimulator.Kind.VALID && s.eventTs() >= redisKilled
                    && s.eventTs() < redisBack && tally.firstPublished(s) >= redisBack),
                    "an event sent while Redis was down was published only after it came back");
            VendorSimulator.Sent lateStart = sent.stream().filter(s -> late.id().equals(s.gameId()) && s.kind() == VendorSimulator.Kind.VALID)
                    .findFirst().orElseThrow(() -> new AssertionError("the late game was never played"));
            assertTrue(lateStart.eventTs() < postgresBack && tally.firstPublished(lateStart) >= postgresBack,
                    "the added game's first event (" + lateStart + ") waited for PostgreSQL: first odds at " + tally.firstPublished(lateStart)
                            + ", PostgreSQL back at " + postgresBack);
            assertTrue(bronzeBehind > 0, "bronze fell behind while S3 was down: lag " + bronzeBehind);

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
            PipelineTally.BronzeReconciliation rows = tally.reconcileBronze();
            assertEquals(Map.of(), rows.problems(), "bronze rows against the model's odds updates: " + rows);
            PipelineTally.ClickHouseReconciliation ch = tally.reconcileClickHouse(Duration.ofSeconds(120));
            assertEquals(Map.of(), ch.problems(), "ClickHouse (FINAL) against the model's odds updates: " + ch);
        }
    }

    /**
     * The bronze sink gives up on S3 after two attempts (at most a second of backoff) instead of its default ten: the S3
     * outage of this test then outlasts the window many times over, and each time the sink hands the batch back to Connect
     * (retriable) rather than fail.
     */
    private static void shortenBronzeRetries() throws InterruptedException {
        String name = Pipeline.Stage.BRONZE.connector;
        Map<String, String> config = new java.util.HashMap<>();
        pipeline.rest().get("connectors/" + name + "/config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        config.put("s3.retry.max.attempts", "2");
        config.put("s3.retry.backoff.max.ms", "1000");
        pipeline.rest().configure(name, config);
        for (long end = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            com.fasterxml.jackson.databind.JsonNode status = pipeline.rest().status(name);
            if ("RUNNING".equals(status.path("connector").path("state").asText()) && status.path("tasks").size() > 0
                    && java.util.stream.StreamSupport.stream(status.path("tasks").spliterator(), false).allMatch(t -> "RUNNING".equals(t.path("state").asText()))) {
                return;
            }
        }
        throw new AssertionError("bronze did not restart with the shorter retry window: " + pipeline.rest().status(name));
    }

    /** Adds a game to the odds sink's reference data (PostgreSQL), with the teams and players of the seed. */
    private static void addGame(SeedData.Game game) throws java.sql.SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", pipeline.postgres().user());
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(pipeline.postgres().jdbcUrl(), props);
             java.sql.PreparedStatement st = c.prepareStatement("INSERT INTO odds_game (game_id, league_id, home_team_id, away_team_id, start_ts) "
                     + "VALUES (?, ?, ?, ?, now())")) {
            st.setString(1, game.id());
            st.setString(2, game.league());
            st.setString(3, game.homeTeam());
            st.setString(4, game.awayTeam());
            st.executeUpdate();
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
