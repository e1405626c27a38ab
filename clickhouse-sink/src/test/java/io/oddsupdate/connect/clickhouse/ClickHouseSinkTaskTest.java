package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.SignalMBeans;
import io.oddsupdate.connect.testkit.TlsMaterial;
import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/** The task against a real ClickHouse server (Debian's 18.16.1, started by testkit), driven as a worker would. */
class ClickHouseSinkTaskTest {

    static final String TOPIC = "odds.updates.internal.nba";
    static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    static TlsMaterial tls;
    static ClickHouseServer ch;

    @BeforeAll
    static void start() {
        tls = TlsMaterial.create();
        ch = ClickHouseServer.start(tls.issue("localhost"));
        System.out.println("ClickHouse " + ch.version());
    }

    @AfterAll
    static void stop() {
        if (ch != null) {
            ch.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    static String createTable(String name) {
        ch.execute(String.format(TaskHarness.DDL, name));
        return name;
    }

    @Test
    void rowsLandWithTheirTypesAndKafkaCoordinates() {
        String table = createTable("types");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0"));
        h.task.put(List.of(TaskHarness.update(TOPIC, 1, 6), TaskHarness.update(TOPIC, 1, 7)));
        h.task.awaitInFlight();
        assertEquals("DateTime\tNullable(DateTime)\tFloat64\tNullable(Float64)\tUInt64\n",
                ch.query("SELECT toTypeName(event_ts), toTypeName(ingest_ts), toTypeName(odds), toTypeName(line), toTypeName(kafka_offset) "
                        + "FROM types LIMIT 1"));
        assertEquals("u-1-6\t1764000006\t1764000006\tnba\tg2\tmoneyline\thome\t\\N\t-116\todds.updates.internal.nba\t1\t6\t1764000006\n"
                        + "u-1-7\t1764000007\t\\N\tnba\tg3\tmoneyline\taway\t-3.5\t-117\todds.updates.internal.nba\t1\t7\t1764000007\n",
                ch.query("SELECT event_uid, toUnixTimestamp(event_ts), toUnixTimestamp(ingest_ts), league, game_id, market, selection, "
                        + "line, odds, kafka_topic, kafka_partition, kafka_offset, toUnixTimestamp(kafka_timestamp) FROM types ORDER BY kafka_offset"));
        h.task.stop();
    }

    @Test
    void offsetsAreCommittedOnlyBelowRowsClickHouseHasNotAcknowledged() {
        String table = createTable("commits");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "60000",
                ClickHouseSinkConnector.BATCH_MAX_ROWS, "10"));
        h.task.put(TaskHarness.updates(TOPIC, 0, 0, 5));
        assertEquals("0\n", ch.query("SELECT count() FROM commits"), "a batch waits for its bounds");
        assertTrue(h.context.lastTimeout > 0 && h.context.lastTimeout <= 60_000, "the worker is asked to call put again when the batch is due");
        assertEquals(Map.of(P0, 0L, P1, 40L), h.commit(Map.of(P0, 5L, P1, 40L)), "nothing of P0 acknowledged; P1 holds nothing");
        h.task.put(TaskHarness.updates(TOPIC, 0, 5, 12)); // the 10th row fills the batch
        h.task.awaitInFlight();
        assertEquals("10\n", ch.query("SELECT count() FROM commits"));
        assertEquals(Map.of(P0, 10L), h.commit(Map.of(P0, 12L)));
        h.task.stop();
    }

    /**
     * ClickHouse down mid-stream: the batch is handed back (retriable), nothing is committed past it, the redelivered
     * records are not batched twice, and once the server is back every row is there exactly once.
     */
    @Test
    void anOutageIsRetriedWithoutLosingOrDoublingRows() throws Exception {
        String table = createTable("outage");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0"));
        h.task.put(TaskHarness.updates(TOPIC, 0, 0, 50));
        h.task.awaitInFlight();
        ch.kill();
        try {
            List<SinkRecord> batch = TaskHarness.updates(TOPIC, 0, 50, 100);
            h.task.put(batch); // its INSERT runs after put returned; the next put (here: the wait) sees it fail
            RetriableException e = assertThrows(RetriableException.class, h.task::awaitInFlight);
            assertTrue(e.getMessage().contains("ClickHouseSinkConnector") && e.getMessage().contains("odds.updates.internal.nba-0:50-99(50)"),
                    e.getMessage());
            assertEquals(Map.of(P0, 50L), h.commit(Map.of(P0, 100L)));
            h.task.put(batch); // redelivered: the same batch sent again, still down
            assertThrows(RetriableException.class, h.task::awaitInFlight);
        } finally {
            ch.restart();
        }
        h.task.put(TaskHarness.updates(TOPIC, 0, 50, 100)); // redelivered once more: sent now, nothing added twice
        h.task.awaitInFlight();
        assertEquals("100\t100\n", ch.query("SELECT count(), uniqExact(event_uid) FROM outage"));
        assertEquals(Map.of(P0, 100L), h.commit(Map.of(P0, 100L)));
        h.task.stop();
    }

    /** A replay (a restarted task, a new owner after a rebalance) writes the same rows, which FINAL counts once. */
    @Test
    void aReplayedRangeWritesTheSameRowsAndTheDocumentedQueryCountsThemOnce() {
        String table = createTable("replay");
        TaskHarness first = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0"));
        first.task.put(TaskHarness.updates(TOPIC, 0, 0, 80));
        first.task.awaitInFlight();
        first.task.stop(); // "killed" before its offsets were committed
        TaskHarness second = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0",
                ClickHouseSinkConnector.BATCH_MAX_ROWS, "7")); // other batch boundaries: the rows are the same anyway
        second.task.put(TaskHarness.updates(TOPIC, 0, 0, 120));
        second.task.awaitInFlight();
        long stored = Long.parseLong(ch.query("SELECT count() FROM replay").strip());
        assertTrue(stored >= 120 && stored <= 200, "80 rows stored twice until a merge (which may have run already): " + stored);
        assertEquals("120\t120\t0\n", ch.query("SELECT count(), uniqExact(event_uid), countIf(odds != -110 - kafka_offset) FROM replay FINAL"));
        ch.execute("OPTIMIZE TABLE replay FINAL");
        assertEquals("120\n", ch.query("SELECT count() FROM replay"), "and merged away");
        second.task.stop();
    }

    @Test
    void rowsThatDoNotFitGoToTheDeadLetterQueueWithTheReason() {
        String table = "misfits";
        ch.execute("CREATE TABLE misfits (event_uid String, odds Float64, stake Decimal(9, 2), note String, "
                + "day Date MATERIALIZED toDate(note), kafka_offset UInt64) ENGINE = ReplacingMergeTree(kafka_offset) ORDER BY event_uid");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0",
                ClickHouseSinkConnector.COLUMNS_MAPPING, "kafka_offset=kafka.offset", "name", "ch-misfits"));
        List<SinkRecord> records = new ArrayList<>();
        for (int n = 0; n < 20; n++) {
            Map<String, Object> v = new java.util.HashMap<>(Map.of("event_uid", "m" + n, "odds", n == 3 ? "abc" : -110.0, "stake", 1.5,
                    "note", n == 7 ? "soon" : "2025-11-24")); // a String to the encoder; only the server's toDate refuses "soon"
            if (n == 9) {
                v.put("stake", 123456789012.0);
            }
            if (n == 11) {
                v.remove("event_uid");
            }
            records.add(new SinkRecord(TOPIC, 0, null, null, null, n == 15 ? null : v, n));
        }
        h.task.put(records);
        h.task.awaitInFlight();
        assertEquals("15\n", ch.query("SELECT count() FROM misfits"));
        assertEquals(5, h.deadLetters().size(), h.deadLetters().toString());
        String all = String.join("\n", h.deadLetters());
        assertTrue(all.contains("3: ClickHouseSinkConnector: record odds.updates.internal.nba-0@3 does not fit table default.misfits: "
                + "column 'odds' (Float64) from value field 'odds': expected a number for Float64 but found String 'abc'"), all);
        assertTrue(all.contains("11: ") && all.contains("column 'event_uid' (String) from value field 'event_uid': missing or null"), all);
        assertTrue(all.contains("15: ") && all.contains("tombstone"), all);
        assertTrue(all.contains("9: ") && all.contains("column 'stake' (Decimal(9, 2)) from value field 'stake': 123456789012 does not fit"), all);
        assertTrue(all.contains("7: ") && all.contains("ClickHouse rejected the row") && all.contains("Code: 38"), all);
        assertEquals(Map.of(P0, 20L), h.commit(Map.of(P0, 20L)));
        // the task's signals: rows acknowledged, dead letters by reason (encoder's or server's), gone at stop
        assertEquals(Map.of("-", 15L), SignalMBeans.values("clickhouse-sink", "ch-misfits", "rows-inserted-total", null));
        assertEquals(Map.of("not-a-row", 4L, "rejected", 1L), SignalMBeans.values("clickhouse-sink", "ch-misfits", "dead-letters-total", "reason"));
        h.task.stop();
        assertEquals(Map.of(), SignalMBeans.values("clickhouse-sink", "ch-misfits", "dead-letters-total", "reason"));
    }

    @Test
    void httpsWithAPasswordAndTheServersCa() {
        String table = createTable("secure");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.URL, ch.httpsUrl(),
                ClickHouseSinkConnector.USER, ClickHouseServer.USER, ClickHouseSinkConnector.PASSWORD, ch.password(),
                ClickHouseSinkConnector.TRUSTSTORE_LOCATION, tls.trustStore().toString(),
                ClickHouseSinkConnector.TRUSTSTORE_PASSWORD, tls.password(), ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0"));
        h.task.put(TaskHarness.updates(TOPIC, 0, 0, 10));
        h.task.awaitInFlight();
        assertEquals("10\n", ch.query("SELECT count() FROM secure"));
        h.task.stop();

        TaskHarness wrong = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.USER, ClickHouseServer.USER,
                ClickHouseSinkConnector.PASSWORD, "not-it"));
        ConnectException e = assertThrows(ConnectException.class, () -> wrong.task.put(TaskHarness.updates(TOPIC, 0, 0, 1)));
        assertTrue(!(e instanceof RetriableException) && e.getMessage().contains("check clickhouse.user and clickhouse.password")
                && !e.getMessage().contains("not-it"), e.getMessage());
    }

    @Test
    void aMissingTableStopsTheTaskNamingTheKey() {
        TaskHarness h = new TaskHarness(ch, "no_such_table", Map.of());
        ConnectException e = assertThrows(ConnectException.class, () -> h.task.put(TaskHarness.updates(TOPIC, 0, 0, 1)));
        assertTrue(!(e instanceof RetriableException) && e.getMessage().contains("clickhouse.table")
                && e.getMessage().contains("default.no_such_table does not exist"), e.getMessage());
    }

    @Test
    void aRevokedPartitionsRowsAreLeftToItsNextOwner() {
        String table = createTable("revoked");
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "60000"));
        h.task.put(TaskHarness.updates(TOPIC, 0, 0, 5));
        h.task.put(TaskHarness.updates(TOPIC, 1, 0, 5));
        h.task.close(List.of(P0));
        h.task.put(List.of());
        assertEquals(Map.of(P1, 0L), h.commit(Map.of(P1, 5L)));
        h.props.put(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0");
        h.task.put(TaskHarness.updates(TOPIC, 1, 5, 6)); // still 60 s: send by the row bound instead
        h.task.stop();
    }
}
