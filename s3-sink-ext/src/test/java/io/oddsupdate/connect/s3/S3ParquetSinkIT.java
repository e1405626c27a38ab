package io.oddsupdate.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.SinkWorkerRig;
import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * The sink in a real Connect worker, loaded from its plugin ZIP on plugin.path (its classes, parquet, the AWS SDK and any
 * Hadoop absent from this class path), JSON with schemas in, against S3Proxy. Reconciles: every record exactly once in S3
 * (by source_topic/partition/offset) or in the DLQ with the reason, across a worker SIGKILLed mid-file and an S3 outage.
 * The worker is a process of its own ({@link ConnectWorkers}), so it can be killed for real.
 */
class S3ParquetSinkIT {

    static final String CONNECTOR = "io.oddsupdate.connect.s3.S3ParquetSinkConnector";
    static final String DLQ = "odds.updates.internal.dlq";
    static final int PARTITIONS = 2;

    static S3Server s3;
    static SinkWorkerRig rig;
    static EmbeddedKafkaCluster kafka;
    static ConnectWorkers workers;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        s3 = S3Server.start();
        rig = SinkWorkerRig.start("s3-sink-ext", "s3-sink-it");
        kafka = rig.kafka;
        workers = rig.workers;
        producer = rig.producer;
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void theSinkComesFromItsPluginZipAlone() {
        for (String cls : List.of(CONNECTOR, "org.apache.parquet.hadoop.ParquetWriter", "software.amazon.awssdk.services.s3.S3Client",
                "org.apache.hadoop.conf.Configuration")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(cls), cls + " must not be on the test class path");
        }
    }

    /**
     * The only worker is SIGKILLed while its task holds records in open files (offsets not committed: the kill was felt
     * there), a new worker takes over and replays them from the last committed offsets into objects of the same names.
     */
    @Test
    void aWorkerKilledMidFileLeavesEveryRecordExactlyOnceInS3() throws Exception {
        String topic = "odds.updates.internal.nba";
        String bucket = "bronze-kill";
        startConnector("bronze-kill", topic, bucket);
        produce(topic, 0, 300, true);
        TestUtils.waitForCondition(() -> s3.keys(bucket).size() >= 2, 60_000, "no object reached S3");
        rig.awaitCommitted("bronze-kill", topic, PARTITIONS, Duration.ofMinutes(3));

        // 15 more records a partition: below flush.size (40), so they sit in open files until the 2 s schedule
        produce(topic, 300, 330, true);
        Thread.sleep(700);
        long held = rig.uncommitted("bronze-kill", topic, PARTITIONS);
        List<String> keys = s3.keys(bucket);
        workers.kill(workers.indexOf(taskWorker("bronze-kill", -1)));
        assertEquals(30, held, "the killed task's records were not committed");
        assertTrue(keys.stream().noneMatch(k -> startOffset(k) >= 150), "and not in S3 either (in open files): " + keys);
        produce(topic, 330, 600, true);
        workers.add();
        awaitRunning("bronze-kill");

        rig.awaitCommitted("bronze-kill", topic, PARTITIONS, Duration.ofMinutes(3));
        assertExactlyOnce(bucket, "kill", 588);
        assertDeadLettered(topic, 12);
    }

    /**
     * A zombie: the worker running the task is frozen (SIGSTOP) past its consumer session timeout while records sit in its
     * open files; the task moves to another worker, which replays them into objects of the same names and commits. Then the
     * frozen worker runs again (SIGCONT) with whatever it held. Every record is still exactly once in S3: the late writer
     * cannot replace the new owner's objects (the sink's conditional writes; the deterministic case is
     * {@code S3ParquetSinkTaskTest#aTaskThatLostItsPartitionCannotReplaceTheNewOwnersObject}).
     */
    @Test
    void aFrozenWorkerThatWakesUpLateCorruptsNothing() throws Exception {
        String topic = "odds.updates.internal.mlb";
        String bucket = "bronze-zombie";
        while (aliveWorkers().size() < 2) {
            workers.add();
        }
        startConnector("bronze-zombie", topic, bucket);
        produce(topic, 0, 200, false);
        rig.awaitCommitted("bronze-zombie", topic, PARTITIONS, Duration.ofMinutes(3));
        produce(topic, 200, 230, false); // in open files (below flush.size) when the worker freezes
        Thread.sleep(700);

        int frozen = workers.indexOf(taskWorker("bronze-zombie", -1));
        int other = aliveWorkers().stream().filter(i -> i != frozen).findFirst().orElseThrow();
        workers.pause(frozen);
        try {
            TestUtils.waitForCondition(() -> workers.workerId(other).equals(taskWorker("bronze-zombie", other)), 90_000,
                    "the task did not move to the other worker");
            produce(topic, 230, 300, false);
            rig.awaitCommitted("bronze-zombie", topic, PARTITIONS, Duration.ofMinutes(3));
        } finally {
            workers.resume(frozen);
        }
        Thread.sleep(5_000); // the zombie notices it lost the partition; anything it completes late must not win
        rig.awaitCommitted("bronze-zombie", topic, PARTITIONS, Duration.ofMinutes(3));
        assertExactlyOnce(bucket, "zombie", 300);
    }

    private static List<Integer> aliveWorkers() {
        List<Integer> alive = new java.util.ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            if (workers.alive(i)) {
                alive.add(i);
            }
        }
        return alive;
    }

    /** The worker id running the connector's task, asked of worker {@code via} (-1: the first alive). */
    private static String taskWorker(String connector, int via) {
        try {
            JsonNode status = (via < 0 ? workers.rest() : workers.rest(via)).status(connector);
            JsonNode task = status.path("tasks").path(0);
            return "RUNNING".equals(task.path("state").asText()) ? task.path("worker_id").asText() : "";
        } catch (RuntimeException | AssertionError notNow) {
            return "";
        }
    }

    @Test
    void anS3OutageIsWaitedOutWithNothingLostOrDuplicated() throws Exception {
        String topic = "odds.updates.internal.nfl";
        String bucket = "bronze-outage";
        startConnector("bronze-outage", topic, bucket);
        produce(topic, 0, 200, false);
        TestUtils.waitForCondition(() -> s3.keys(bucket).size() >= 1, 60_000, "no object reached S3");

        s3.pause();
        try {
            produce(topic, 200, 400, false);
            Thread.sleep(8_000); // longer than the SDK's retries: the task hands batches back to Connect meanwhile
        } finally {
            s3.resume();
        }
        rig.awaitCommitted("bronze-outage", topic, PARTITIONS, Duration.ofMinutes(3));
        assertExactlyOnce(bucket, "outage", 400);
    }

    private void startConnector(String name, String topic, String bucket) throws InterruptedException {
        s3.createBucket(bucket);
        kafka.createTopic(topic, PARTITIONS);
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", CONNECTOR);
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "true");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", DLQ);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("s3.bucket", bucket);
        c.put("s3.region", S3Server.REGION);
        c.put("s3.endpoint", s3.endpoint().toString());
        c.put("s3.path.style.access", "true");
        c.put("s3.access.key.id", S3Server.ACCESS_KEY);
        c.put("s3.secret.access.key", S3Server.SECRET_KEY);
        c.put("s3.retry.max.attempts", "3");
        c.put("s3.retry.backoff.ms", "100");
        c.put("s3.request.timeout.ms", "5000");
        c.put("flush.size", "40");
        c.put("rotate.schedule.interval.ms", "2000");
        c.put("consumer.override.max.poll.records", "50");
        workers.rest().configure(name, c);
        awaitRunning(name);
    }

    private static void awaitRunning(String name) throws InterruptedException {
        TestUtils.waitForCondition(() -> {
            try {
                JsonNode status = workers.rest().status(name);
                return "RUNNING".equals(status.path("connector").path("state").asText()) && status.path("tasks").size() == 1
                        && "RUNNING".equals(status.path("tasks").get(0).path("state").asText());
            } catch (RuntimeException | AssertionError notYet) {
                return false;
            }
        }, 90_000, name + " did not start");
    }


    /** The first offset of an object, from its name ({@code <topic>+<partition>+<offset>.parquet}). */
    private static long startOffset(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('+') + 1, key.length() - ".parquet".length()));
    }


    /** Records {@code from..to-1}, alternating partitions; with {@code bad}, every 50th does not fit the schema. */
    private static void produce(String topic, int from, int to, boolean bad) throws Exception {
        String league = topic.substring(topic.lastIndexOf('.') + 1);
        for (int n = from; n < to; n++) {
            boolean misfit = bad && n % 50 == 7;
            String value = "{\"schema\":{\"type\":\"struct\",\"name\":\"com.example.odds.OddsUpdate\",\"fields\":["
                    + "{\"field\":\"event_uid\",\"type\":\"string\"},"
                    + "{\"field\":\"event_ts\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
                    + "{\"field\":\"league\",\"type\":\"string\"},{\"field\":\"game_id\",\"type\":\"string\"},"
                    + "{\"field\":\"market\",\"type\":\"string\"},{\"field\":\"odds\",\"type\":\"" + (misfit ? "string" : "double") + "\"},"
                    + "{\"field\":\"model_version\",\"type\":\"string\",\"optional\":true}]},"
                    + "\"payload\":{\"event_uid\":\"" + league + "-" + n + "\",\"event_ts\":" + (1764000000000L + n * 60_000L)
                    + ",\"league\":\"" + league + "\",\"game_id\":\"g" + (n % 5) + "\",\"market\":\"moneyline\",\"odds\":"
                    + (misfit ? "\"abc\"" : "-115.0") + ",\"model_version\":\"m1\"}}";
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, n % PARTITIONS, ("g" + (n % 5)).getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8));
            if (n % 3 != 0) { // the rest find their league through the topic
                r.headers().add("league", league.getBytes(StandardCharsets.UTF_8));
            }
            producer.send(r);
        }
        producer.flush();
    }


    private static void assertExactlyOnce(String bucket, String name, int expected) {
        for (String key : s3.keys(bucket)) {
            assertTrue(key.matches("bronze/odds_updates/league=(nba|nfl|mlb)/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/odds\\.updates\\.internal\\.(nba|nfl|mlb)\\+[01]\\+\\d{10}\\.parquet"), key);
        }
        Path dir = DuckDb.download(s3, bucket, name);
        DuckDb.Result r = DuckDb.query(dir, "select count(*), count(distinct (source_topic, source_partition, source_offset)), "
                + "count(distinct event_uid), min(event_ts) = to_timestamp(1764000000), count(*) filter (where league = hive_league) "
                + "from (select *, regexp_extract(filename, 'league=([a-z]+)', 1) as hive_league from read_parquet('" + dir
                + "/**/*.parquet', filename=true))");
        var row = r.rows().get(0);
        assertEquals(expected, row.get(0).asInt(), "rows in S3");
        assertEquals(expected, row.get(1).asInt(), "distinct source_topic/partition/offset: a duplicate row");
        assertEquals(expected, row.get(2).asInt(), "distinct event_uid");
        assertTrue(row.get(3).asBoolean(), "event_ts is a timestamp");
        assertEquals(expected, row.get(4).asInt(), "league= directory matches the league field");
    }

    /**
     * Each misfit is in the DLQ with the reason. Connect's dead-letter queue is at-least-once: records replayed after the
     * worker was killed are reported again, so misfits are counted by their source coordinates.
     */
    private static void assertDeadLettered(String topic, int expected) throws Exception {
        java.util.Set<String> misfits = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.consumeAll(60_000, DLQ)) {
            Header topicHeader = r.headers().lastHeader("__connect.errors.topic");
            if (topicHeader == null || !topic.equals(new String(topicHeader.value(), StandardCharsets.UTF_8))) {
                continue;
            }
            String reason = new String(r.headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains("does not fit the bronze schema") && reason.contains("field 'odds': expected a finite double"), reason);
            misfits.add(header(r, "__connect.errors.partition") + "@" + header(r, "__connect.errors.offset"));
        }
        assertEquals(expected, misfits.size(), "dead-lettered records " + misfits);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
