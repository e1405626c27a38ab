package io.oddsupdate.connect.odds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.TestSinkTaskContext;
import io.oddsupdate.connect.testkit.servers.PostgresServer;
import io.oddsupdate.connect.testkit.servers.RedisServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** The sink task against real PostgreSQL and Redis servers: the atomic step, dedupe, stale seq, offset resume, DLQ. */
class OddsSinkTaskTest {

    static PostgresServer pg;
    static RedisServer redis;
    static final String TOPIC = "raw.events.nba";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    static final String STREAM = "odds:{nba}:stream";

    MockTime time;
    TestSinkTaskContext context;
    OddsSinkTask task;
    Jedis jedis;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.start();
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopServers() {
        if (redis != null) {
            redis.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void newTask() {
        jedis = new Jedis("127.0.0.1", redis.port());
        jedis.flushAll();
        time = new MockTime();
        task = startTask();
        context = (TestSinkTaskContext) contextOf(task);
    }

    @AfterEach
    void stopTask() {
        task.stop();
        jedis.close();
    }

    static Map<String, String> props() {
        Map<String, String> p = new HashMap<>();
        p.put("name", "odds-sink-test");
        p.put(OddsSinkConnector.POSTGRES_URL, pg.jdbcUrl());
        p.put(OddsSinkConnector.POSTGRES_USER, pg.user());
        p.put(OddsSinkConnector.POSTGRES_PASSWORD, "unused-with-trust-auth");
        p.put(OddsSinkConnector.POSTGRES_SSLMODE, "disable");
        p.put(OddsSinkConnector.POSTGRES_MIGRATIONS, "schema_and_seed");
        p.put(RedisSettings.URL, redis.url());
        p.put(RedisSettings.TIMEOUT_MS, "1000");
        return p;
    }

    private final Map<OddsSinkTask, TestSinkTaskContext> contexts = new HashMap<>();

    private OddsSinkTask startTask() {
        OddsSinkTask t = new OddsSinkTask(time);
        TestSinkTaskContext c = new TestSinkTaskContext();
        t.initialize(c);
        t.start(props());
        contexts.put(t, c);
        return t;
    }

    private TestSinkTaskContext contextOf(OddsSinkTask t) {
        return contexts.get(t);
    }

    static String event(String eventId, String gameId, long seq, String type, String payload) {
        return "{\"event_id\":\"" + eventId + "\",\"game_id\":\"" + gameId + "\",\"league\":\"nba\",\"seq\":" + seq
                + ",\"event_ts\":1767999000000,\"type\":\"" + type + "\",\"payload\":{" + payload + "}}";
    }

    static SinkRecord record(long offset, Object value) {
        return new SinkRecord(TOPIC, 0, null, null, null, value, offset);
    }

    static SinkRecord json(long offset, String json) {
        return record(offset, json.getBytes(StandardCharsets.UTF_8));
    }

    List<StreamEntry> stream() {
        return jedis.xrange(STREAM, (StreamEntryID) null, (StreamEntryID) null);
    }

    @Test
    void oneEventIsOneAtomicStepWithStateOutputsAndOffset() {
        task.open(List.of(TP));
        task.put(List.of(json(10, event("e1", "nba-g1", 1, "SCORE", "\"period\":2,\"clock_remaining_s\":300,\"home_score\":50,\"away_score\":45"))));

        List<StreamEntry> out = stream();
        assertEquals(6, out.size());
        assertEquals(Set.of("moneyline", "spread", "total"), out.stream().map(e -> OddsUpdates.fields(e.getFields()).get("market")).collect(Collectors.toSet()));
        Map<String, Object> first = OddsUpdates.fields(out.get(0).getFields());
        assertEquals(OddsUpdates.eventUid("e1", "moneyline", "home"), first.get("event_uid"));
        assertEquals("nba-bos", first.get("team_id"));
        assertEquals(PricingModel.VERSION, first.get("model_version"));
        assertEquals(10, ((Number) first.get("source_offset")).intValue());
        assertEquals("1", jedis.hget("odds:{nba}:game:nba-g1", "seq"));
        assertEquals("50", jedis.hget("odds:{nba}:game:nba-g1", "home"));
        assertEquals("10", jedis.hget("odds:offsets:odds-sink-test", TOPIC + "/0"));
        assertTrue(jedis.sismember("odds:{nba}:game:nba-g1:events", "e1"));
        // the Struct the source will emit validates against the Avro-derived schema
        assertTrue(Math.abs(OddsUpdates.struct(out.get(0).getFields()).getFloat64("odds")) >= 100);
    }

    @Test
    void duplicateAndStaleEventsChangeNothingButTheOffset() {
        task.put(List.of(json(1, event("e1", "nba-g1", 5, "SCORE", "\"period\":1,\"home_score\":2,\"away_score\":0"))));
        int after = stream().size();
        // same event id again (vendor resend), at a later offset
        task.put(List.of(json(2, event("e1", "nba-g1", 6, "SCORE", "\"period\":1,\"home_score\":9,\"away_score\":0"))));
        // a stale seq with a new id
        task.put(List.of(json(3, event("e0", "nba-g1", 4, "SCORE", "\"period\":1,\"home_score\":7,\"away_score\":0"))));
        // a repeat of the same seq
        task.put(List.of(json(4, event("e1b", "nba-g1", 5, "SCORE", "\"period\":1,\"home_score\":8,\"away_score\":0"))));
        assertEquals(after, stream().size());
        assertEquals("2", jedis.hget("odds:{nba}:game:nba-g1", "home"));
        assertEquals("5", jedis.hget("odds:{nba}:game:nba-g1", "seq"));
        assertEquals("4", jedis.hget("odds:offsets:odds-sink-test", TOPIC + "/0"));
        // in one batch: the same event twice and a stale one between newer ones
        task.put(List.of(
                json(5, event("e2", "nba-g1", 7, "SCORE", "\"home_score\":4")),
                json(6, event("e2", "nba-g1", 7, "SCORE", "\"home_score\":4")),
                json(7, event("e3", "nba-g1", 6, "SCORE", "\"home_score\":99")),
                json(8, event("e4", "nba-g1", 8, "CLOCK", "\"period\":1,\"clock_remaining_s\":500"))));
        assertEquals(after + 12, stream().size());
        assertEquals("4", jedis.hget("odds:{nba}:game:nba-g1", "home"));
        assertEquals("8", jedis.hget("odds:{nba}:game:nba-g1", "seq"));
    }

    @Test
    void aNewTaskResumesFromTheStoredOffsetsAndNeverRepeatsAnOutput() {
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(json(100 + i, event("r" + i, "nba-g2", i + 1, "CLOCK", "\"period\":1,\"clock_remaining_s\":" + (700 - i))));
        }
        task.put(batch.subList(0, 6));
        assertEquals(36, stream().size());
        task.stop();

        // the consumer's committed offset lagged: the new task is handed everything again
        OddsSinkTask second = startTask();
        TestSinkTaskContext c2 = contextOf(second);
        second.open(List.of(TP));
        assertEquals(Map.of(TP, 106L), c2.seeks);
        second.put(batch);
        assertEquals(60, stream().size());
        assertEquals(60, stream().stream().map(e -> OddsUpdates.fields(e.getFields()).get("event_uid")).distinct().count());
        second.stop();
        task = startTask(); // for @AfterEach
    }

    @Test
    void playerStatsRepriceThePlayersProp() {
        task.put(List.of(
                json(1, event("g0", "nba-g1", 1, "GAME_START", "")),
                json(2, event("ps1", "nba-g1", 2, "PLAYER_STAT", "\"player_id\":\"nba-p-tatum\",\"stat\":\"points\",\"stat_value\":2")),
                json(3, event("ps2", "nba-g1", 3, "PLAYER_STAT", "\"player_id\":\"nobody\",\"stat\":\"points\",\"stat_value\":1")),
                json(4, event("end", "nba-g1", 4, "GAME_END", ""))));
        List<Map<String, Object>> out = stream().stream().map(e -> OddsUpdates.fields(e.getFields())).toList();
        assertEquals(8, out.size(), "6 pregame markets, 2 prop sides; an unknown player and the game end price nothing");
        Map<String, Object> over = out.get(6);
        assertEquals("player_points", over.get("market"));
        assertEquals("over", over.get("selection"));
        assertEquals("nba-p-tatum", over.get("player_id"));
        assertEquals("nba-bos", over.get("team_id"));
        assertEquals(26.5, ((Number) over.get("line")).doubleValue());
        assertEquals("2.0", jedis.hget("odds:{nba}:game:nba-g1", "stat:nba-p-tatum/points"));
        assertEquals("final", jedis.hget("odds:{nba}:game:nba-g1", "status"));
    }

    @Test
    void structMapAndJsonValuesAreAllAccepted() {
        JsonConverter withSchema = new JsonConverter();
        withSchema.configure(Map.of("schemas.enable", "false"), false);
        SchemaAndValue map = withSchema.toConnectData(TOPIC, event("m1", "nba-g1", 1, "GAME_START", "").getBytes(StandardCharsets.UTF_8));
        task.put(List.of(record(1, map.value())));
        task.put(List.of(record(2, event("s1", "nba-g1", 2, "SCORE", "\"home_score\":3,\"away_score\":0"))));
        org.apache.kafka.connect.data.Schema payload = org.apache.kafka.connect.data.SchemaBuilder.struct().name("EventPayload")
                .field("period", Schema.OPTIONAL_INT32_SCHEMA).field("home_score", Schema.OPTIONAL_INT32_SCHEMA)
                .field("away_score", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema schema = org.apache.kafka.connect.data.SchemaBuilder.struct().name("VendorEvent")
                .field("event_id", Schema.STRING_SCHEMA).field("game_id", Schema.STRING_SCHEMA)
                .field("league", Schema.STRING_SCHEMA).field("seq", Schema.INT64_SCHEMA)
                .field("event_ts", org.apache.kafka.connect.data.Timestamp.SCHEMA).field("type", Schema.STRING_SCHEMA)
                .field("payload", payload).build();
        org.apache.kafka.connect.data.Struct s = new org.apache.kafka.connect.data.Struct(schema)
                .put("event_id", "t1").put("game_id", "nba-g1").put("league", "nba").put("seq", 3L)
                .put("event_ts", new java.util.Date(1767999000000L)).put("type", "SCORE")
                .put("payload", new org.apache.kafka.connect.data.Struct(payload).put("period", 1).put("home_score", 5).put("away_score", 2));
        task.put(List.of(record(3, s)));
        assertEquals(18, stream().size());
        assertEquals("5", jedis.hget("odds:{nba}:game:nba-g1", "home"));
        assertTrue(context.deadLetters.isEmpty());
    }

    @Test
    void unusableEventsAreDeadLetteredWithTheReason() {
        task.put(List.of(
                json(1, "{not json"),
                record(2, null),
                json(3, event("u1", "no-such-game", 1, "SCORE", "")),
                json(4, event("u2", "nba-g1", 1, "TIMEOUT", "")),
                json(5, "{\"event_id\":\"x\",\"game_id\":\"nba-g1\",\"league\":\"nba\",\"event_ts\":1,\"type\":\"SCORE\"}"),
                json(6, event("ok", "nba-g1", 1, "SCORE", "\"home_score\":1"))));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), context.deadLetters.stream().map(SinkRecord::kafkaOffset).toList());
        List<String> reasons = context.reasons.stream().map(Throwable::getMessage).toList();
        assertTrue(reasons.get(0).contains("malformed JSON") && reasons.get(0).contains("raw.events.nba/0@1"), reasons.get(0));
        assertTrue(reasons.get(1).contains("tombstone"), reasons.get(1));
        assertTrue(reasons.get(2).contains("unknown game 'no-such-game'"), reasons.get(2));
        assertTrue(reasons.get(3).contains("field 'type': expected one of [GAME_START, SCORE, CLOCK, PLAYER_STAT, GAME_END], got string \"TIMEOUT\""), reasons.get(3));
        assertTrue(reasons.get(4).contains("field 'seq' is required but missing"), reasons.get(4));
        assertEquals(6, stream().size());
        // a dead-lettered event's offset is stored too, so a restarted task does not dead-letter it again
        task.put(List.of(json(7, "[]")));
        assertEquals("7", jedis.hget("odds:offsets:odds-sink-test", TOPIC + "/0"));
        assertEquals(6, context.deadLetters.size());
        OddsSinkTask second = startTask();
        second.open(List.of(TP));
        assertEquals(Map.of(TP, 8L), contextOf(second).seeks);
        second.put(List.of(json(7, "[]")));
        assertTrue(contextOf(second).deadLetters.isEmpty());
        second.stop();
    }

    @Test
    void redisOutageIsRetriableAndNothingIsLost() {
        task.put(List.of(json(1, event("a1", "nba-g1", 1, "SCORE", "\"home_score\":2"))));
        redis.stop();
        try {
            List<SinkRecord> batch = List.of(json(2, event("a2", "nba-g1", 2, "SCORE", "\"home_score\":4")));
            assertThrows(RetriableException.class, () -> task.put(batch));
            redis.restart();
            task.put(batch); // Connect redelivers the batch after a RetriableException
        } finally {
            redis.restart();
        }
        jedis.close();
        jedis = new Jedis("127.0.0.1", redis.port());
        assertEquals(12, stream().size());
        assertEquals("2", jedis.hget("odds:{nba}:game:nba-g1", "seq"));
    }

    @Test
    void aBatchIsNotDoneUntilTheRequiredReplicasHaveIt() {
        Map<String, String> p = props();
        p.put(OddsSinkConnector.MIN_REPLICAS, "1");
        p.put(RedisSettings.TIMEOUT_MS, "1000"); // WAIT gets half; the rest is margin for a loaded machine
        OddsSinkTask waiting = new OddsSinkTask(time);
        waiting.initialize(new TestSinkTaskContext());
        waiting.start(p);
        try {
            RetriableException e = assertThrows(RetriableException.class,
                    () -> waiting.put(List.of(json(1, event("w1", "nba-g1", 1, "SCORE", "\"home_score\":1")))));
            assertTrue(e.getMessage().contains("only 0 of 1 Redis replicas"), e.getMessage());
        } finally {
            waiting.stop();
        }
    }

    @Test
    void referenceDataChangesApplyWithinTheRefreshInterval() throws Exception {
        task.put(List.of(json(1, event("p1", "nba-g1", 1, "GAME_START", ""))));
        double before = odds(stream().get(0));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pgProps()); Statement st = c.createStatement()) {
            st.execute("UPDATE odds_team SET rating = rating + 6 WHERE team_id = 'nba-lal'");
            time.sleep(29_000);
            task.put(List.of(json(2, event("p2", "nba-g1", 2, "CLOCK", "\"period\":1,\"clock_remaining_s\":720"))));
            assertEquals(before, odds(stream().get(6)), "not yet refreshed");
            time.sleep(1_000);
            task.put(List.of(json(3, event("p3", "nba-g1", 3, "CLOCK", "\"period\":1,\"clock_remaining_s\":720"))));
            assertTrue(odds(stream().get(12)) > before, "away stronger now: home odds longer");
            st.execute("UPDATE odds_team SET rating = rating - 6 WHERE team_id = 'nba-lal'");
        }
    }

    /** The offline replay gives exactly the odds updates the sink writes for the same events, each field equal. */
    @Test
    void theReplayPricesEventsExactlyAsTheSinkDoes() {
        List<String> events = List.of(
                event("r1", "nba-g1", 1, "GAME_START", "\"period\":1,\"clock_remaining_s\":720,\"home_score\":0,\"away_score\":0"),
                event("r2", "nba-g1", 2, "SCORE", "\"period\":1,\"clock_remaining_s\":650,\"home_score\":2,\"away_score\":0"),
                event("r2", "nba-g1", 2, "SCORE", "\"period\":1,\"clock_remaining_s\":650,\"home_score\":2,\"away_score\":0"),
                event("r3", "nba-g1", 3, "PLAYER_STAT", "\"player_id\":\"nba-p-james\",\"stat\":\"points\",\"stat_value\":9"),
                event("r4", "nba-g1", 4, "GAME_END", "\"home_score\":101,\"away_score\":99"));
        List<Map<String, Object>> replayed = new ArrayList<>();
        try (OddsReplay replay = new OddsReplay(pg.jdbcUrl(), pg.user(), null)) {
            for (int i = 0; i < events.size(); i++) {
                task.put(List.of(json(i + 1, events.get(i))));
                replayed.addAll(replay.apply(events.get(i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        List<Map<String, Object>> written = new ArrayList<>();
        for (StreamEntry e : stream()) {
            Map<String, Object> f = new HashMap<>(OddsUpdates.fields(e.getFields()));
            f.keySet().removeAll(Set.of("ingest_ts", "source_topic", "source_partition", "source_offset"));
            written.add(f);
        }
        assertTrue(written.size() >= 12, "odds updates written: " + written.size());
        assertEquals(written, replayed);
    }

    /** A game added to Postgres after the task loaded its snapshot is priced at its first event, not dead-lettered. */
    @Test
    void aGameAddedToPostgresIsPricedAtItsFirstEvent() throws Exception {
        task.put(List.of(json(1, event("m1", "nba-g1", 1, "GAME_START", ""))));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pgProps()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO odds_game (game_id, league_id, home_team_id, away_team_id, start_ts) "
                    + "SELECT 'nba-g-new', league_id, away_team_id, home_team_id, start_ts FROM odds_game WHERE game_id = 'nba-g1'");
            try {
                task.put(List.of(json(2, event("m2", "nba-g-new", 1, "GAME_START", ""))));
                assertTrue(context.deadLetters.isEmpty(), "dead-lettered: " + context.reasons);
                assertEquals(12, stream().size());
            } finally {
                st.execute("DELETE FROM odds_game WHERE game_id = 'nba-g-new'");
            }
        }
    }

    /**
     * A game added just after another unknown game made the task reload: its first event is judged on a snapshot loaded
     * after it arrived (the task waits out the rest of reference.missing.reload.interval.ms), so it is priced, not
     * dead-lettered on the snapshot of a moment ago.
     */
    @Test
    void aGameAddedJustAfterAnUnknownGameReloadIsPriced() throws Exception {
        task.put(List.of(json(1, event("j1", "no-such-game", 1, "GAME_START", "")))); // reloads, dead-letters
        assertEquals(1, context.deadLetters.size());
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pgProps()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO odds_game (game_id, league_id, home_team_id, away_team_id, start_ts) "
                    + "SELECT 'nba-g-next', league_id, away_team_id, home_team_id, start_ts FROM odds_game WHERE game_id = 'nba-g1'");
            try {
                time.sleep(10); // well within the reload interval
                task.put(List.of(json(2, event("j2", "nba-g-next", 1, "GAME_START", ""))));
                assertEquals(1, context.deadLetters.size(), "dead-lettered: " + context.reasons);
                assertEquals(6, stream().size());
            } finally {
                st.execute("DELETE FROM odds_game WHERE game_id = 'nba-g-next'");
            }
        }
    }

    /**
     * A game added to Postgres after the task loaded its snapshot, while Postgres is down: the task cannot tell whether the
     * game exists, so the batch is retried (not dead-lettered as an unknown game) and priced once Postgres is back.
     */
    @Test
    void aGameTheSnapshotLacksWaitsForPostgresInsteadOfBeingDeadLettered() throws Exception {
        task.put(List.of(json(1, event("n1", "nba-g1", 1, "GAME_START", ""))));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pgProps()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO odds_game (game_id, league_id, home_team_id, away_team_id, start_ts) "
                    + "SELECT 'nba-g-late', league_id, away_team_id, home_team_id, start_ts FROM odds_game WHERE game_id = 'nba-g1'");
        }
        pg.kill();
        List<SinkRecord> batch = List.of(json(2, event("n2", "nba-g-late", 1, "GAME_START", "")));
        try {
            time.sleep(6_000); // past reference.missing.reload.interval.ms
            RetriableException e = assertThrows(RetriableException.class, () -> task.put(batch));
            assertTrue(e.getMessage().contains("cannot be read to check"), e.getMessage());
            assertThrows(RetriableException.class, () -> task.put(batch), "still down, within the reload rate limit");
            assertTrue(context.deadLetters.isEmpty(), "not dead-lettered while Postgres is down");
        } finally {
            pg.restart();
        }
        time.sleep(6_000);
        task.put(batch);
        assertTrue(context.deadLetters.isEmpty(), "priced once Postgres answers: " + context.reasons);
        assertEquals(12, stream().size());
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pgProps()); Statement st = c.createStatement()) {
            st.execute("DELETE FROM odds_game WHERE game_id = 'nba-g-late'");
        }
    }

    static double odds(StreamEntry e) {
        return ((Number) OddsUpdates.fields(e.getFields()).get("odds")).doubleValue();
    }

    static Properties pgProps() {
        Properties p = new Properties();
        p.setProperty("user", pg.user());
        return p;
    }
}
