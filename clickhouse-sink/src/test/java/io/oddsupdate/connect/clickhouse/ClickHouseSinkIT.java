package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.SinkWorkerRig;
import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/**
 * The sink in a real Connect worker (a process of its own, so it can be SIGKILLed), loaded from its plugin ZIP on
 * plugin.path, JSON with schemas in, against Debian's ClickHouse 18.16.1. Reconciles: every odds update exactly once as
 * the documented query ({@code FINAL}) sees it, or in the DLQ with the reason, across a worker killed mid-batch and a
 * ClickHouse server killed and restarted mid-stream.
 */
class ClickHouseSinkIT {

    static final String CONNECTOR = "io.oddsupdate.connect.clickhouse.ClickHouseSinkConnector";
    static final String DLQ = "odds.updates.clickhouse.dlq";
    static final int PARTITIONS = 2;

    static ClickHouseServer ch;
    static SinkWorkerRig rig;
    static EmbeddedKafkaCluster kafka;
    static ConnectWorkers workers;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        ch = ClickHouseServer.start();
        rig = SinkWorkerRig.start("clickhouse-sink", "clickhouse-sink-it");
        kafka = rig.kafka;
        workers = rig.workers;
        producer = rig.producer;
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
        if (ch != null) {
            ch.close();
        }
    }

    @Test
    void theSinkComesFromItsPluginZipAlone() {
        for (String cls : List.of(CONNECTOR, "io.oddsupdate.connect.common.Payload")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(cls), cls + " must not be on the test class path");
        }
    }

    /**
     * The only worker is SIGKILLed while its task holds rows in a batch not yet sent (offsets not committed: the kill was
     * felt there), a new worker takes over and replays from the last committed offsets, rows ClickHouse had acknowledged
     * but whose offsets were not committed included: the documented query still sees every update once.
     */
    @Test
    void aWorkerKilledMidBatchLeavesEveryUpdateOnceAsTheDocumentedQuerySeesIt() throws Exception {
        String topic = "odds.updates.internal.nba";
        startConnector("ch-kill", topic, "odds_kill");
        produce(topic, 0, 300, true);
        rig.awaitCommitted("ch-kill", topic, PARTITIONS, Duration.ofMinutes(2));

        produce(topic, 300, 330, true); // sits in the batch: batch.max.wait.ms is 3 s
        Thread.sleep(700);
        long held = rig.uncommitted("ch-kill", topic, PARTITIONS);
        long stored = Long.parseLong(ch.query("SELECT count() FROM odds_kill").strip());
        workers.kill(workers.indexOf(taskWorker("ch-kill")));
        assertEquals(30, held, "the killed task's rows were not committed");
        assertTrue(stored < 330 - 6, "and not in ClickHouse either (in the batch): " + stored);
        produce(topic, 330, 600, true);
        workers.add();
        awaitRunning("ch-kill");

        rig.awaitCommitted("ch-kill", topic, PARTITIONS, Duration.ofMinutes(2));
        assertExactlyOnce("odds_kill", "nba", 600, 12);
        assertDeadLettered(topic, 12);
    }

    /** ClickHouse SIGKILLed mid-stream and restarted 6 s later: the task waits it out, nothing lost, nothing counted twice. */
    @Test
    void aClickHouseServerKilledAndRestartedMidStreamLosesAndDoublesNothing() throws Exception {
        String topic = "odds.updates.internal.nfl";
        startConnector("ch-restart", topic, "odds_restart");
        produce(topic, 0, 200, false);
        TestUtils.waitForCondition(() -> Long.parseLong(ch.query("SELECT count() FROM odds_restart").strip()) > 0, 60_000,
                "no row reached ClickHouse");
        ch.kill();
        try {
            produce(topic, 200, 400, false);
            Thread.sleep(6_000); // longer than the sink's retries: batches are handed back to Connect and redelivered
            assertTrue(rig.uncommitted("ch-restart", topic, PARTITIONS) > 0, "nothing past the outage was committed");
        } finally {
            ch.restart();
        }
        produce(topic, 400, 500, false);
        rig.awaitCommitted("ch-restart", topic, PARTITIONS, Duration.ofMinutes(2));
        assertExactlyOnce("odds_restart", "nfl", 500, 0);
    }

    private void startConnector(String name, String topic, String table) throws InterruptedException {
        ch.execute(String.format(TaskHarness.DDL, table));
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
        c.put("clickhouse.url", ch.httpUrl());
        c.put("clickhouse.table", table);
        c.put("clickhouse.user", ClickHouseServer.USER);
        c.put("clickhouse.password", ch.password());
        c.put("columns.mapping", TaskHarness.MAPPING);
        c.put("clickhouse.retry.max.attempts", "2");
        c.put("clickhouse.retry.backoff.ms", "100");
        c.put("clickhouse.retry.backoff.max.ms", "500");
        c.put("clickhouse.connect.timeout.ms", "1000");
        c.put("batch.max.rows", "100");
        c.put("batch.max.wait.ms", "3000");
        c.put("consumer.override.max.poll.records", "50");
        workers.rest().configure(name, c);
        awaitRunning(name);
    }

    private static void awaitRunning(String name) throws InterruptedException {
        TestUtils.waitForCondition(() -> !taskWorker(name).isEmpty(), 90_000, name + " did not start");
    }

    /** The worker id running the connector's only task, or "" while it runs nowhere. */
    private static String taskWorker(String connector) {
        try {
            JsonNode task = workers.rest().status(connector).path("tasks").path(0);
            return "RUNNING".equals(task.path("state").asText()) ? task.path("worker_id").asText() : "";
        } catch (RuntimeException | AssertionError notNow) {
            return "";
        }
    }

    /** Records {@code from..to-1}, alternating partitions; with {@code bad}, every 50th has odds that are not a number. */
    private static void produce(String topic, int from, int to, boolean bad) {
        String league = topic.substring(topic.lastIndexOf('.') + 1);
        for (int n = from; n < to; n++) {
            boolean misfit = bad && n % 50 == 7;
            String value = "{\"schema\":{\"type\":\"struct\",\"name\":\"com.example.odds.OddsUpdate\",\"fields\":["
                    + "{\"field\":\"event_uid\",\"type\":\"string\"},"
                    + "{\"field\":\"event_ts\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
                    + "{\"field\":\"league\",\"type\":\"string\"},{\"field\":\"game_id\",\"type\":\"string\"},"
                    + "{\"field\":\"market\",\"type\":\"string\"},{\"field\":\"odds\",\"type\":\"" + (misfit ? "string" : "double") + "\"},"
                    + "{\"field\":\"model_version\",\"type\":\"string\",\"optional\":true}]},"
                    + "\"payload\":{\"event_uid\":\"" + league + "-" + n + "\",\"event_ts\":" + (1764000000000L + n * 1_000L)
                    + ",\"league\":\"" + league + "\",\"game_id\":\"g" + (n % 5) + "\",\"market\":\"moneyline\",\"odds\":"
                    + (misfit ? "\"abc\"" : Double.toString(-100.0 - n)) + ",\"model_version\":\"m1\"}}";
            producer.send(new ProducerRecord<>(topic, n % PARTITIONS, ("g" + (n % 5)).getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }




    /** The documented query's view: each update once (FINAL), with the value it was produced with. */
    private static void assertExactlyOnce(String table, String league, int produced, int misfits) {
        int expected = produced - misfits;
        String seen = ch.query("SELECT count(), uniqExact(event_uid), countIf(odds != -100 - toFloat64(toUInt64(substring(event_uid, "
                + (league.length() + 2) + ")))), countIf(toUnixTimestamp(event_ts) != 1764000000 + toUInt64(substring(event_uid, "
                + (league.length() + 2) + "))), uniqExact(kafka_partition, kafka_offset) FROM " + table + " FINAL");
        assertEquals(expected + "\t" + expected + "\t0\t0\t" + expected + "\n", seen, "count, distinct event_uid, wrong odds, "
                + "wrong event_ts, distinct Kafka coordinates (FINAL)");
        System.out.printf("%s: %s rows stored before merges for %d updates%n", table, ch.query("SELECT count() FROM " + table).strip(), expected);
    }

    /**
     * Each misfit is in the DLQ with the reason. Connect's dead-letter queue is at least once: records replayed after the
     * worker was killed are reported again, so misfits are counted by their source coordinates.
     */
    private static void assertDeadLettered(String topic, int expected) throws Exception {
        Set<String> misfits = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.consumeAll(60_000, DLQ)) {
            if (!topic.equals(header(r, "__connect.errors.topic"))) {
                continue;
            }
            String reason = header(r, "__connect.errors.exception.message");
            assertTrue(reason.contains("ClickHouseSinkConnector: record " + topic) && reason.contains("does not fit table default.odds_kill")
                    && reason.contains("column 'odds' (Float64) from value field 'odds': expected a number for Float64 but found String 'abc'"),
                    reason);
            misfits.add(header(r, "__connect.errors.partition") + "@" + header(r, "__connect.errors.offset"));
        }
        assertEquals(expected, misfits.size(), "dead-lettered records " + misfits);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
