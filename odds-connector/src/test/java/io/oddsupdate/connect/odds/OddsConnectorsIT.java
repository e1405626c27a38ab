package io.oddsupdate.connect.odds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.SignalMBeans;
import io.oddsupdate.connect.testkit.servers.PostgresServer;
import io.oddsupdate.connect.testkit.servers.RedisServer;
import redis.clients.jedis.Jedis;

/**
 * The pair in a real Connect 3.7 worker with exactly-once source support, plugins from the packaged ZIP on
 * plugin.path (named by string: their classes are not on this class path), real PostgreSQL and Redis. Vendor JSON in
 * on raw.events.{nba,mlb} (as MirrorMaker delivers it: bytes); odds out on odds.updates.internal.{league}, read
 * committed. Mid-stream the sink and source tasks are restarted and Redis is down for a while; afterwards the output is
 * exactly the expected set of event_uids, each once, and the malformed events are in the DLQ: in = out + DLQ.
 */
class OddsConnectorsIT {

    static final String SINK = "io.oddsupdate.connect.odds.OddsSinkConnector";
    static final String SOURCE = "io.oddsupdate.connect.odds.OddsSourceConnector";
    static final String DLQ = "raw.events.dlq";
    static final List<String> MARKETS = List.of("moneyline/home", "moneyline/away", "spread/home", "spread/away", "total/over", "total/under");
    static final ObjectMapper JSON = new ObjectMapper();

    PostgresServer pg;
    RedisServer redis;
    EmbeddedConnectCluster connect;
    final Set<String> expectedUids = new HashSet<>();
    int validEvents;

    @BeforeEach
    void start() {
        pg = PostgresServer.start();
        redis = RedisServer.start();
        Map<String, String> worker = ConnectClusters.workerProps(PluginPath.of("odds-connector"));
        worker.put("exactly.once.source.support", "enabled");
        connect = ConnectClusters.builder("odds-it", PluginPath.of("odds-connector")).workerProps(worker).build();
        connect.start();
        connect.kafka().createTopic("raw.events.nba", 3);
        connect.kafka().createTopic("raw.events.mlb", 2);
        connect.kafka().createTopic(DLQ, 1);
        connect.kafka().createTopic("odds.updates.internal.nba", 3);
        connect.kafka().createTopic("odds.updates.internal.mlb", 3);
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.stop();
        }
        if (redis != null) {
            redis.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    Map<String, String> sinkConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", SINK);
        c.put("tasks.max", "2");
        c.put("topics.regex", "raw\\.events\\.(?!dlq$).+");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", DLQ);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("postgres.url", pg.jdbcUrl());
        c.put("postgres.user", pg.user());
        c.put("postgres.password", "not-needed-with-trust");
        c.put("postgres.sslmode", "disable");
        c.put("postgres.migrations", "schema_and_seed");
        c.put("redis.url", redis.url());
        c.put("redis.timeout.ms", "1000");
        return c;
    }

    Map<String, String> sourceConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", SOURCE);
        c.put("tasks.max", "2");
        c.put("exactly.once.support", "required");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "false");
        c.put("redis.url", redis.url());
        c.put("redis.timeout.ms", "1000");
        c.put("leagues.discovery.interval.ms", "1000");
        c.put("poll.block.ms", "200");
        return c;
    }

    @Test
    void eventsInOddsOutThroughTaskRestartsAndARedisOutage() throws Exception {
        connect.configureConnector("odds-sink", sinkConfig());
        connect.configureConnector("odds-source", sourceConfig());
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning("odds-sink", 1, "sink did not start");

        produceNba(0, 20);
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning("odds-source", 1, "source found no stream");
        produceMlb(0, 10);                 // a second league, discovered while running
        produceMalformed();
        produceNba(20, 30);
        restartTask("odds-sink", 0);       // mid-stream
        restartTask("odds-source", 0);
        produceNba(30, 40);
        produceMlb(10, 16);

        redis.stop();                      // outage: both connectors retry, nothing is lost
        produceNba(40, 50);
        Thread.sleep(4_000);
        redis.restart();
        produceMlb(16, 20);
        produceNba(50, 60);

        List<ConsumerRecord<byte[], byte[]>> out = consumeCommitted(expectedUids.size(), "odds.updates.internal.nba", "odds.updates.internal.mlb");
        Map<String, Integer> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            JsonNode v = JSON.readTree(r.value());
            seen.merge(v.get("event_uid").asText(), 1, Integer::sum);
            String league = v.get("league").asText();
            assertEquals("odds.updates.internal." + league, r.topic());
            assertEquals(v.get("game_id").asText(), new String(r.key(), StandardCharsets.UTF_8));
            assertEquals(league, header(r, "league"));
            assertEquals(v.get("game_id").asText(), header(r, "game_id"));
            assertEquals("stern-skellam-1.0", header(r, "model_version"));
            assertTrue(r.headers().lastHeader("player_id") != null, "player_id header");
            assertTrue(v.get("odds").asDouble() <= -100 || v.get("odds").asDouble() >= 100, "American odds: " + v);
        }
        assertEquals(expectedUids, seen.keySet(), "every expected output, nothing else");
        seen.forEach((uid, n) -> assertEquals(1, n, "duplicate output " + uid));

        List<ConsumerRecord<byte[], byte[]>> dead = consumeCommitted(3, DLQ);
        assertEquals(3, dead.size());
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String message = header(r, "__connect.errors.exception.message");
            assertTrue(message.contains("OddsSinkConnector: unusable event at raw.events."), message);
        }
        // in = out + DLQ: every valid event priced (6 outputs each), every unusable one dead-lettered
        assertEquals(validEvents * 6, seen.size());

        // what Kafka acknowledged is trimmed from the streams: Redis keeps only what is in flight
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (j.xlen("odds:{nba}:stream") + j.xlen("odds:{mlb}:stream") > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(0, j.xlen("odds:{nba}:stream") + j.xlen("odds:{mlb}:stream"), "streams trimmed");
        }
    }

    /**
     * The plugins' signals, read as JMX from this JVM's platform MBean server (the worker runs in it), count what the
     * topics hold: dead letters per reason = the DLQ's records by their reason, odds published per league = the records
     * on that league's internal topic. One task each, and fixed leagues, so no task restarts and resets its counts.
     */
    @Test
    void signalsCountWhatReachedTheTopics() throws Exception {
        Map<String, String> sink = sinkConfig();
        sink.put("tasks.max", "1");
        Map<String, String> source = sourceConfig();
        source.put("tasks.max", "1");
        source.put("leagues", "nba,mlb");
        connect.configureConnector("odds-sink", sink);
        connect.configureConnector("odds-source", source);
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning("odds-sink", 1, "sink did not start");
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning("odds-source", 1, "source did not start");
        produceNba(0, 12);
        produceMlb(0, 5);
        produceMalformed();

        Map<String, Long> published = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : consumeCommitted(expectedUids.size(), "odds.updates.internal.nba", "odds.updates.internal.mlb")) {
            published.merge(r.topic().substring("odds.updates.internal.".length()), 1L, Long::sum);
        }
        Map<String, Long> deadLetters = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : consumeCommitted(3, DLQ)) {
            String message = header(r, "__connect.errors.exception.message");
            deadLetters.merge(message.contains("unknown game") ? "unknown-game" : "malformed", 1L, Long::sum);
        }
        assertEquals(Map.of("nba", 12L * 6, "mlb", 5L * 6), published);
        assertEquals(Map.of("malformed", 2L, "unknown-game", 1L), deadLetters);

        // a counter is incremented once Kafka acknowledged the record: give the last acknowledgements time to land
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
                && !(published.equals(oddsPublishedSignal()) && deadLetters.equals(deadLettersSignal()))) {
            Thread.sleep(200);
        }
        assertEquals(published, oddsPublishedSignal());
        assertEquals(deadLetters, deadLettersSignal());
        // tagged by Connect's task id (read from its log context), not a stand-in
        assertEquals(Set.of("0"), SignalMBeans.keys("odds-sink", "odds-sink", "task"));
        assertEquals(Set.of("0"), SignalMBeans.keys("odds-source", "odds-source", "task"));

        connect.deleteConnector("odds-source");
        connect.deleteConnector("odds-sink");
        deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
                && !(SignalMBeans.keys("odds-sink", "odds-sink", "task").isEmpty() && SignalMBeans.keys("odds-source", "odds-source", "task").isEmpty())) {
            Thread.sleep(200);
        }
        assertEquals(Set.of(), SignalMBeans.keys("odds-sink", "odds-sink", "task"), "a stopped task's MBeans are unregistered");
        assertEquals(Set.of(), SignalMBeans.keys("odds-source", "odds-source", "task"), "a stopped task's MBeans are unregistered");
    }

    static Map<String, Long> oddsPublishedSignal() {
        return SignalMBeans.values("odds-source", "odds-source", "odds-published-total", "league");
    }

    static Map<String, Long> deadLettersSignal() {
        return SignalMBeans.values("odds-sink", "odds-sink", "dead-letters-total", "reason");
    }

    void restartTask(String connector, int task) {
        connect.requestPost(connect.endpointForResource("connectors/" + connector + "/tasks/" + task + "/restart"), "", Map.of());
    }

    /** An nba game through three quarters at a realistic pace, margin within a few points: every market stays open. */
    void produceNba(int from, int to) {
        for (int i = from; i < to; i++) {
            double f = i / 80.0;                       // fraction of the game elapsed, up to 0.75
            int period = 1 + (int) (f * 4);
            int clock = (int) (720 - (f * 4 - (period - 1)) * 720);
            int away = (int) Math.round(112 * f);
            int home = away + (i % 5) - 1;
            String game = i % 2 == 0 ? "nba-g1" : "nba-g2";
            send("raw.events.nba", game, event("nba-" + i, game, "nba", i + 1, "SCORE",
                    "\"period\":" + period + ",\"clock_remaining_s\":" + clock + ",\"home_score\":" + home + ",\"away_score\":" + away));
        }
    }

    /** An mlb game through the 5th inning, runs at pace. */
    void produceMlb(int from, int to) {
        for (int i = from; i < to; i++) {
            int inning = 1 + i / 4;
            boolean top = i % 2 == 0;
            int home = i / 6;
            int away = i / 5;
            send("raw.events.mlb", "mlb-g1", event("mlb-" + i, "mlb-g1", "mlb", i + 1, "SCORE",
                    "\"period\":" + inning + ",\"top_of_inning\":" + top + ",\"outs\":" + (i % 3) + ",\"home_score\":" + home + ",\"away_score\":" + away));
        }
    }

    void produceMalformed() {
        connect.kafka().produce("raw.events.nba", "nba-g1", "{\"event_id\":");
        connect.kafka().produce("raw.events.nba", "nope", event("bad-1", "no-such-game", "nba", 1, "SCORE", ""));
        connect.kafka().produce("raw.events.mlb", "mlb-g1", event("bad-2", "mlb-g1", "mlb", 99, "HALFTIME", ""));
    }

    void send(String topic, String game, String json) {
        connect.kafka().produce(topic, game, json);
        validEvents++;
        String eventId = eventIdOf(json);
        for (String m : MARKETS) {
            String[] ms = m.split("/");
            expectedUids.add(UUID.nameUUIDFromBytes((eventId + "|" + ms[0] + "|" + ms[1]).getBytes(StandardCharsets.UTF_8)).toString());
        }
    }

    static String eventIdOf(String json) {
        try {
            return JSON.readTree(json).get("event_id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String event(String eventId, String gameId, String league, long seq, String type, String payload) {
        return "{\"event_id\":\"" + eventId + "\",\"game_id\":\"" + gameId + "\",\"league\":\"" + league + "\",\"seq\":" + seq
                + ",\"event_ts\":" + (1767999000000L + seq * 1000) + ",\"type\":\"" + type + "\",\"payload\":{" + payload + "}}";
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Reads committed records until {@code n} arrived and nothing more comes for a few seconds (so extras show). */
    List<ConsumerRecord<byte[], byte[]>> consumeCommitted(int n, String... topics) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumerAndSubscribeTo(props, topics)) {
            long deadline = System.currentTimeMillis() + 180_000;
            long quietUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < deadline && System.currentTimeMillis() < quietUntil) {
                int before = out.size();
                c.poll(Duration.ofMillis(500)).forEach(out::add);
                if (out.size() >= n && (out.size() > before || quietUntil == Long.MAX_VALUE)) {
                    quietUntil = System.currentTimeMillis() + 5_000;
                }
            }
        }
        return out;
    }
}
