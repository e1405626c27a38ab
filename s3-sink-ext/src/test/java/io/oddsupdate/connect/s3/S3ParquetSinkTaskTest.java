package io.oddsupdate.connect.s3;

import static io.oddsupdate.connect.s3.TaskHarness.map;
import static io.oddsupdate.connect.s3.TaskHarness.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.SignalMBeans;
import io.oddsupdate.connect.testkit.servers.S3Server;

/** The task against a real S3-compatible server (S3Proxy): layout, read-back, dead letters, rotation, bounds, outages. */
class S3ParquetSinkTaskTest {

    private static final String NBA = "odds.updates.internal.nba";
    private static final String NFL = "odds.updates.internal.nfl";
    private static final Instant T = Instant.parse("2024-03-10T23:59:58Z");
    private static final String DIR = "bronze/odds_updates/";

    private static S3Server s3;
    private static int buckets;

    @BeforeAll
    static void startS3() {
        s3 = S3Server.start();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private static String bucket() {
        String b = "bronze-" + (++buckets);
        s3.createBucket(b);
        return b;
    }

    @Test
    void writesLeagueDateHourObjectsThatParquetAvroAndDuckDbReadAlike() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.ROTATE_SCHEDULE_INTERVAL_MS, "0"));
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // two seconds of 23:59, then 00:00 of the next day
            batch.add(struct(NBA, 0, i, "nba", T.plusMillis(i * 500L)));
        }
        for (int i = 0; i < 3; i++) { // no league header: the league comes from the topic
            batch.add(map(NFL, 1, 10 + i, null, Instant.parse("2024-03-11T07:15:00Z").plusSeconds(i)));
        }
        h.task.put(batch);

        assertEquals(List.of(
                DIR + "league=nba/dt=2024-03-10/hour=23/" + NBA + "+0+0000000000.parquet",
                DIR + "league=nba/dt=2024-03-11/hour=00/" + NBA + "+0+0000000004.parquet",
                DIR + "league=nfl/dt=2024-03-11/hour=07/" + NFL + "+1+0000000010.parquet"), s3.keys(bucket));
        assertEquals(Map.of(new TopicPartition(NBA, 0), 6L, new TopicPartition(NFL, 1), 13L), h.commit());
        assertEquals(List.of(), h.deadLetters());

        List<GenericRecord> rows = TaskHarness.readAll(s3, bucket);
        assertEquals(9, rows.size());
        GenericRecord first = rows.get(0);
        assertEquals("com.example.odds.OddsUpdate", first.getSchema().getFullName());
        assertTrue(first.getSchema().getField("selection") != null, "the latest schema (v2) is written by default");
        assertEquals(LogicalTypes.timestampMillis(), first.getSchema().getField("event_ts").schema().getLogicalType());
        assertEquals(T.toEpochMilli(), first.get("event_ts"));
        assertEquals("home", first.get("selection").toString());
        assertEquals(NBA, first.get("source_topic").toString());
        assertEquals(0L, first.get("source_offset"));
        GenericRecord nfl = rows.get(8);
        assertEquals(105.0, nfl.get("odds"));
        assertEquals(Instant.parse("2024-03-11T07:15:03Z").toEpochMilli(), nfl.get("ingest_ts"));
        assertEquals(3.0, ((Map<?, ?>) nfl.get("model_inputs")).entrySet().stream()
                .filter(e -> e.getKey().toString().equals("lead")).findFirst().orElseThrow().getValue());

        Path dir = DuckDb.download(s3, bucket, "layout");
        DuckDb.Result types = DuckDb.query(dir, "select * from bronze limit 1");
        assertEquals("TIMESTAMP WITH TIME ZONE", types.type("event_ts"));
        assertEquals("TIMESTAMP WITH TIME ZONE", types.type("ingest_ts"));
        assertEquals("DOUBLE", types.type("odds"));
        assertEquals("MAP(VARCHAR, DOUBLE)", types.type("model_inputs"));
        DuckDb.Result duck = DuckDb.query(dir, "select event_uid, epoch_ms(event_ts), odds, source_topic, source_partition, "
                + "source_offset, league, dt, hour from bronze order by source_topic, source_offset");
        assertEquals(rows.size(), duck.rows().size());
        for (int i = 0; i < rows.size(); i++) {
            GenericRecord r = rows.get(i);
            var d = duck.rows().get(i);
            assertEquals(r.get("event_uid").toString(), d.get(0).asText());
            assertEquals(r.get("event_ts"), d.get(1).asLong());
            assertEquals(r.get("odds"), d.get(2).asDouble());
            assertEquals(r.get("source_topic").toString(), d.get(3).asText());
            assertEquals(r.get("source_partition"), d.get(4).asInt());
            assertEquals(r.get("source_offset"), d.get(5).asLong());
            assertEquals(r.get("league").toString(), d.get(6).asText());
        }
        assertEquals("2024-03-11", duck.rows().get(8).get(7).asText());
        assertEquals("07", duck.rows().get(8).get(8).asText());
        h.task.stop();
    }

    @Test
    void deadLettersWhatDoesNotFitWithTheReasonAndCommitsPastIt() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.ROTATE_SCHEDULE_INTERVAL_MS, "0", "name", "bronze-misfits"));
        Map<String, Object> noMarket = new java.util.HashMap<>(Map.of("event_uid", "u", "event_ts", 1L, "league", "nba", "game_id", "g", "odds", 1.0));
        Map<String, Object> badOdds = new java.util.HashMap<>(noMarket);
        badOdds.put("market", "total");
        badOdds.put("odds", "-115");
        Map<String, Object> badTs = new java.util.HashMap<>(badOdds);
        badTs.put("odds", -115.0);
        badTs.put("event_ts", "yesterday");
        h.task.put(List.of(
                struct(NBA, 0, 0, "nba", T),
                TaskHarness.record(NBA, 0, 1, "nba", null, null, 1L),
                TaskHarness.record(NBA, 0, 2, "nba", null, noMarket, 1L),
                TaskHarness.record(NBA, 0, 3, "nba", null, badOdds, 1L),
                TaskHarness.record(NBA, 0, 4, "nba", null, badTs, 1L),
                TaskHarness.record(NBA, 0, 5, "nba", Schema.BYTES_SCHEMA, new byte[] {1}, 1L),
                struct("other.topic", 0, 6, null, T),
                struct(NBA, 0, 7, "n/ba", T),
                struct(NBA, 0, 8, "nba", T)));
        List<String> reasons = h.deadLetters();
        assertEquals(Map.of(), h.context.seeks, "the sink never rewinds");
        assertEquals(7, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).startsWith("1: S3ParquetSinkConnector: record odds.updates.internal.nba-0@1 does not fit"), reasons.get(0));
        assertTrue(reasons.get(0).contains("tombstone"), reasons.get(0));
        assertTrue(reasons.get(1).contains("field 'market' is required but missing"), reasons.get(1));
        assertTrue(reasons.get(2).contains("field 'odds': expected a finite double, got string \"-115\""), reasons.get(2));
        assertTrue(reasons.get(3).contains("field 'event_ts': expected timestamp (epoch millis or ISO-8601 instant), got string \"yesterday\""), reasons.get(3));
        assertTrue(reasons.get(4).contains("field '(root)': expected record com.example.odds.OddsUpdate, got byte[]"), reasons.get(4));
        assertTrue(reasons.get(5).contains("no league"), reasons.get(5));
        assertTrue(reasons.get(6).contains("league 'n/ba' is not a safe path segment"), reasons.get(6));
        assertEquals(2, TaskHarness.readAll(s3, bucket).size());
        assertEquals(9L, h.commit().get(new TopicPartition(NBA, 0)));
        // the task's signals: dead letters by reason, and the objects it made visible
        assertEquals(Map.of("tombstone", 1L, "schema", 4L, "no-league", 2L), SignalMBeans.values("s3-sink", "bronze-misfits", "dead-letters-total", "reason"));
        assertEquals(Map.of("-", (long) s3.keys(bucket).size()), SignalMBeans.values("s3-sink", "bronze-misfits", "objects-committed-total", null));
        h.task.stop();
        assertEquals(Map.of(), SignalMBeans.values("s3-sink", "bronze-misfits", "objects-committed-total", null), "unregistered at stop");
    }

    /**
     * Records the worker's converter dead-lettered never reach put: the commit passes them once every file of the
     * partition is complete, and not before (they may sit behind records still in an open file).
     */
    @Test
    void commitsPastRecordsTheConverterDeadLetteredOnceItsFilesAreComplete() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "2"));
        TopicPartition tp = new TopicPartition(NBA, 0);
        h.task.open(List.of(tp, new TopicPartition(NBA, 1)));
        // offsets 0-2 put, 3-4 dead-lettered by the converter (the worker consumed up to 5)
        h.task.put(List.of(struct(NBA, 0, 0, "nba", T), struct(NBA, 0, 1, "nba", T), struct(NBA, 0, 2, "nba", T)));
        assertEquals(2L, h.commit(Map.of(tp, 5L)).get(tp), "offset 2 is in an open file: hold there");
        h.task.put(List.of(struct(NBA, 0, 5, "nba", T)));
        h.commit(Map.of(tp, 6L));
        h.task.put(List.of());
        assertEquals(6L, h.commit(Map.of(tp, 6L)).get(tp), "every file complete: past the dead letters");
        // a partition that only ever had dead-lettered records
        assertEquals(4L, h.commit(Map.of(new TopicPartition(NBA, 1), 4L)).get(new TopicPartition(NBA, 1)));
        assertEquals(4, TaskHarness.readAll(s3, bucket).size());
        h.task.stop();
    }

    @Test
    void closesOnFlushSizeAndDefersTheNextCloseUntilTheOffsetCommit() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "3"));
        h.task.put(records(0, 7));
        // Closed at 3 records; the next close waits for the commit of offset 3, so the second file keeps growing.
        assertEquals(List.of(key(0)), s3.keys(bucket));
        assertEquals(1, h.context.commitRequests);
        assertEquals(3L, h.commit().get(new TopicPartition(NBA, 0)));
        h.task.put(List.of()); // the close that waited is due now, with or without new records
        assertEquals(List.of(key(0), key(3)), s3.keys(bucket));
        assertEquals(4, TaskHarness.read(s3.get(bucket, key(3))).size());
        assertEquals(7L, h.commit().get(new TopicPartition(NBA, 0)));
        h.task.stop();
    }

    @Test
    void closesWhenTheRecordTimeSpanIsExceeded() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.ROTATE_INTERVAL_MS, "60000",
                S3ParquetSinkConnector.TIMESTAMP_SOURCE, "kafka"));
        Instant t = Instant.parse("2024-03-10T10:00:00Z");
        h.task.put(List.of(struct(NBA, 0, 0, "nba", t), struct(NBA, 0, 1, "nba", t.plusSeconds(30)), struct(NBA, 0, 2, "nba", t.plusSeconds(61))));
        assertEquals(List.of(DIR + "league=nba/dt=2024-03-10/hour=10/" + NBA + "+0+0000000000.parquet"), s3.keys(bucket));
        assertEquals(2, TaskHarness.readAll(s3, bucket).size());
        assertEquals(2L, h.commit().get(new TopicPartition(NBA, 0)));
        h.task.stop();
    }

    @Test
    void closesOnTheWallClockEvenWhenNoRecordsArrive() throws InterruptedException {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.ROTATE_SCHEDULE_INTERVAL_MS, "200"));
        h.task.put(records(0, 2));
        assertEquals(List.of(), s3.keys(bucket));
        Thread.sleep(250);
        h.task.put(List.of()); // the worker calls put after every poll, with or without records
        assertEquals(List.of(key(0)), s3.keys(bucket));
        h.task.stop();
    }

    @Test
    void atMaxOpenFilesClosesThePartitionHoldingMostAndHandsTheBatchBackWhenAllWaitForCommit() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.MAX_OPEN_FILES, "1"));
        List<SinkRecord> batch = List.of(struct(NBA, 0, 0, "nba", T), struct(NBA, 1, 0, "nba", T),
                struct(NBA, 0, 1, "nba", T), struct(NBA, 1, 1, "nba", T));
        // p0 opens; p1 closes p0; p0 closes p1; p1 would close p0, which still waits for its commit.
        assertThrows(RetriableException.class, () -> h.task.put(batch));
        assertEquals(2, s3.keys(bucket).size());
        h.commit();
        h.task.put(batch); // redelivered: what is written already is skipped
        h.commit();
        h.task.put(List.of(struct(NBA, 0, 2, "nba", T.plusSeconds(7200)))); // closes p1's file
        List<String> lineage = TaskHarness.readAll(s3, bucket).stream()
                .map(r -> r.get("source_partition") + "@" + r.get("source_offset")).sorted().collect(Collectors.toList());
        assertEquals(List.of("0@0", "0@1", "1@0", "1@1"), lineage);
        h.task.stop();
    }

    @Test
    void aboveMaxBufferedBytesClosesFilesEarly() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.MAX_BUFFERED_BYTES, String.valueOf(1024 * 1024),
                S3ParquetSinkConnector.COMPRESSION, "uncompressed"));
        List<SinkRecord> batch = new ArrayList<>();
        String big = "x".repeat(4096);
        for (int i = 0; i < 600; i++) { // ~2.4 MB of event_uid in one partition
            Map<String, Object> v = new java.util.HashMap<>(Map.of("event_uid", big + i, "event_ts", T.toEpochMilli(), "league", "nba",
                    "game_id", "g", "market", "m", "odds", 1.0));
            batch.add(TaskHarness.record(NBA, 0, i, "nba", null, v, 1L));
        }
        // The first close happens at the bound; the second waits for the commit, so the batch comes back once.
        assertThrows(RetriableException.class, () -> h.task.put(batch));
        assertEquals(1, s3.keys(bucket).size());
        h.commit();
        h.task.put(batch); // redelivered: the rest is written, and the bound closes the second file at the end
        assertEquals(2, s3.keys(bucket).size(), "no rotation trigger fired: both files were closed by the bound");
        assertEquals(600, TaskHarness.readAll(s3, bucket).size());
        h.task.stop();
    }

    @Test
    void survivesAnS3OutageByRedeliveryWithoutDuplicates() {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "2"));
        s3.pause();
        try {
            assertThrows(RetriableException.class, () -> h.task.put(records(0, 3)));
            assertThrows(RetriableException.class, () -> h.task.put(records(0, 3)));
            assertEquals(0L, h.commit().get(new TopicPartition(NBA, 0)));
        } finally {
            s3.resume();
        }
        h.task.put(records(0, 3));
        assertEquals(List.of(key(0)), s3.keys(bucket));
        assertEquals(2, TaskHarness.readAll(s3, bucket).size());
        assertEquals(2L, h.commit().get(new TopicPartition(NBA, 0)));
        h.task.stop();
    }

    @Test
    void aRestartedTaskRewritesTheUncommittedObjectsUnderTheSameNames() {
        String bucket = bucket();
        TaskHarness first = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "4"));
        first.task.put(records(0, 10));
        assertEquals(4L, first.commit().get(new TopicPartition(NBA, 0)));
        first.task.put(records(10, 12)); // closes offsets 4..10 as +4; then the task dies before the commit
        assertEquals(List.of(key(0), key(4)), s3.keys(bucket));

        TaskHarness second = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "4",
                S3ParquetSinkConnector.ROTATE_SCHEDULE_INTERVAL_MS, "0"));
        second.task.put(records(4, 14)); // replays from the committed offset 4: +4 now holds 4..7
        assertEquals(8L, second.commit().get(new TopicPartition(NBA, 0)));
        second.task.put(List.of());
        assertEquals(List.of(key(0), key(4), key(8)), s3.keys(bucket));
        List<Long> offsets = TaskHarness.readAll(s3, bucket).stream().map(r -> (Long) r.get("source_offset")).sorted().toList();
        assertEquals(14, offsets.size());
        assertEquals(14, new TreeSet<>(offsets).size());
        second.task.stop();
    }

    @Test
    void completesObjectsInTheBackgroundAndCommitsOnlyCompleteOnes() throws InterruptedException {
        String bucket = bucket();
        TaskHarness h = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "3",
                S3ParquetSinkConnector.UPLOAD_THREADS, "2"));
        h.task.put(records(0, 5));
        TopicPartition tp = new TopicPartition(NBA, 0);
        long deadline = System.currentTimeMillis() + 30_000;
        // Until the object of offsets 0..2 is complete, the committable offset stays at its first offset.
        for (long committed; (committed = h.commit().get(tp)) != 3L; ) {
            assertEquals(0L, committed);
            assertTrue(System.currentTimeMillis() < deadline, "the upload did not complete");
            Thread.sleep(10);
        }
        assertEquals(List.of(key(0)), s3.keys(bucket));
        assertEquals(3, TaskHarness.readAll(s3, bucket).size());
        h.task.stop();
    }

    /**
     * A zombie: a task that lost its partition (frozen past its session timeout) while it had a file open, and completes
     * it after the partition's new owner replayed the same offsets into an object of the same name. The new owner's
     * object stands; the zombie discards its file and commits nothing for the partition.
     */
    @Test
    void aTaskThatLostItsPartitionCannotReplaceTheNewOwnersObject() throws InterruptedException {
        String bucket = bucket();
        TopicPartition tp = new TopicPartition(NBA, 0);
        TaskHarness zombie = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "8"));
        zombie.task.put(records(0, 5)); // a file from offset 0, open
        Thread.sleep(5); // the new owner is given the partition later
        TaskHarness owner = new TaskHarness(s3, bucket, Map.of(S3ParquetSinkConnector.FLUSH_SIZE, "10"));
        owner.task.put(records(0, 10)); // replays from the last committed offset (0) and completes the object
        assertEquals(List.of(key(0)), s3.keys(bucket));
        assertEquals(10L, owner.commit().get(tp));

        zombie.task.put(records(5, 8)); // the zombie resumes: flush.size reached, it closes and completes its file
        assertEquals(List.of(key(0)), s3.keys(bucket));
        assertEquals(10, TaskHarness.read(s3.get(bucket, key(0))).size(), "the new owner's object, not the zombie's 8 rows");
        assertEquals(null, zombie.commit().get(tp), "the zombie commits nothing for the partition it lost");
        zombie.task.put(records(8, 9));
        assertEquals(List.of(key(0)), s3.keys(bucket), "nor writes any more of it");
        zombie.task.stop();
        owner.task.stop();
    }

    /** The same late completion without conditional writes replaces the new owner's object: what the fence prevents. */
    @Test
    void withoutConditionalWritesTheZombieWins() throws InterruptedException {
        String bucket = bucket();
        Map<String, String> unfenced = Map.of(S3ParquetSinkConnector.CONDITIONAL_WRITES, "false");
        TaskHarness zombie = new TaskHarness(s3, bucket, with(unfenced, S3ParquetSinkConnector.FLUSH_SIZE, "8"));
        zombie.task.put(records(0, 5));
        Thread.sleep(5);
        TaskHarness owner = new TaskHarness(s3, bucket, with(unfenced, S3ParquetSinkConnector.FLUSH_SIZE, "10"));
        owner.task.put(records(0, 10));
        zombie.task.put(records(5, 8));
        assertEquals(8, TaskHarness.read(s3.get(bucket, key(0))).size(), "offsets 8 and 9 lost: the owner committed past them");
        zombie.task.stop();
        owner.task.stop();
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static List<SinkRecord> records(int from, int to) {
        List<SinkRecord> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(struct(NBA, 0, i, "nba", Instant.parse("2024-03-10T10:00:00Z").plusSeconds(i)));
        }
        return out;
    }

    private static String key(long startOffset) {
        return DIR + "league=nba/dt=2024-03-10/hour=10/" + NBA + "+0+" + String.format("%010d", startOffset) + ".parquet";
    }
}
