package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * The vendor hop as MirrorMaker runs it: a real MirrorSourceConnector on a Connect 3.7.2 worker of the core cluster,
 * replicating JSON vendor events from a separate vendor cluster, with CanonicalKey and InjectHeaders loaded from the smt
 * plugin ZIP on plugin.path (not from this class path). The vendor scatters each game over its partitions and some events
 * are malformed: the output is keyed by game id with routing headers, each game in one partition, the malformed events in
 * the dead-letter topic with their upstream coordinates, and in = out + DLQ exactly.
 */
class MirrorSourceSmtIT {

    static final String TOPIC = "vendor.raw.events.nba"; // IdentityReplicationPolicy: the same name on core
    static final String DLQ = "raw.events.dlq";
    static final int PARTITIONS = 3;
    static final int GAMES = 6;
    static final int EVENTS = 60;

    EmbeddedKafkaCluster vendor;
    EmbeddedConnectCluster core;

    @BeforeEach
    void start() {
        vendor = ConnectClusters.kafka(1);
        vendor.start();
        vendor.createTopic(TOPIC, PARTITIONS);
        core = ConnectClusters.builder("mirror-smt-it", PluginPath.of("smt")).build();
        core.start();
        core.kafka().createTopic(DLQ, 2); // a partition count unlike the source's
    }

    @AfterEach
    void stop() {
        if (core != null) {
            core.stop();
        }
        if (vendor != null) {
            vendor.stop();
        }
    }

    static String event(int n) {
        return "{\"event_id\":\"e-" + n + "\",\"game_id\":\"nba-g" + (n % GAMES) + "\",\"league\":\"nba\",\"seq\":" + n
                + ",\"event_ts\":" + (1764000000000L + n) + ",\"type\":\"SCORE\",\"model_version\":\"m1\","
                + "\"payload\":{\"period\":1,\"home_score\":" + n + ",\"away_score\":0,\"player_id\":\"p-" + n + "\"}}";
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : utf8(h.value());
    }

    @Test
    void vendorEventsAreKeyedHeaderedRepartitionedAndMisfitsDeadLettered() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.oddsupdate.connect.smt.CanonicalKey"),
                "the transforms must come from the plugin ZIP only");
        List<String> bad = List.of("not json", "{\"event_id\":\"e-x\",\"game_id\":\"nba-g1\"", "",
                "{\"event_id\":\"e-y\",\"league\":\"nba\"}", "{\"event_id\":\"e-z\",\"game_id\":{\"id\":1}}",
                "{\"game_id\":\"nba-g2\",\"seq\":1}");
        Map<String, RecordMetadata> badAt = new HashMap<>();
        int tombstones = 0;
        try (KafkaProducer<byte[], byte[]> producer = vendor.createProducer(Map.of())) {
            for (int n = 0; n < EVENTS; n++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("vendor-trace", ("t-" + n).getBytes(StandardCharsets.UTF_8));
                // the vendor's partitioning ignores the game: one game's events land in every partition
                producer.send(new ProducerRecord<>(TOPIC, n % PARTITIONS, ("vendor-" + n).getBytes(StandardCharsets.UTF_8),
                        event(n).getBytes(StandardCharsets.UTF_8), headers)).get();
                if (n == EVENTS / 2) {
                    for (int b = 0; b < bad.size(); b++) {
                        badAt.put(bad.get(b), producer.send(new ProducerRecord<>(TOPIC, b % PARTITIONS, null,
                                bad.get(b).getBytes(StandardCharsets.UTF_8))).get());
                    }
                    producer.send(new ProducerRecord<>(TOPIC, 1, "nba-g0".getBytes(StandardCharsets.UTF_8), null)).get();
                    tombstones++;
                }
            }
        }
        int in = EVENTS + bad.size() + tombstones;

        Map<String, String> mm2 = ConnectClusters.mirrorSource(vendor, core.kafka(), "vendor\\.raw\\.events\\..*");
        ConnectClusters.withVendorTransforms(mm2, DLQ); // errors.tolerance=none: a failure not dead-lettered fails this test
        core.configureConnector("vendor-to-core", mm2);

        int expectedOut = EVENTS + tombstones;
        core.kafka().consume(expectedOut, 120_000, TOPIC);
        core.kafka().consume(bad.size(), 60_000, DLQ);
        core.assertions().assertConnectorAndExactlyNumTasksAreRunning("vendor-to-core", 1, "the task must survive bad input");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        core.kafka().consumeAll(30_000, TOPIC).forEach(out::add);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        core.kafka().consumeAll(30_000, DLQ).forEach(dead::add);
        assertEquals(in, out.size() + dead.size(), "in = out + DLQ");
        assertEquals(expectedOut, out.size());
        assertEquals(bad.size(), dead.size());

        Map<String, Set<Integer>> partitionsOfGame = new HashMap<>();
        Set<String> events = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            if (r.value() == null) {
                assertEquals("nba-g0", utf8(r.key()), "a tombstone passes untouched");
                assertEquals(1, r.partition());
                assertNull(r.headers().lastHeader("league"));
                continue;
            }
            String gameId = utf8(r.key());
            String value = utf8(r.value());
            assertTrue(value.contains("\"game_id\":\"" + gameId + "\""), "keyed by its game id: " + value);
            assertEquals("nba", header(r, "league"));
            assertEquals(gameId, header(r, "game_id"));
            assertTrue(value.contains("\"event_id\":\"" + header(r, "event_id") + "\""));
            assertEquals("m1", header(r, "model_version"));
            assertNotNull(header(r, "player_id"));
            assertTrue(header(r, "vendor-trace").startsWith("t-"), "upstream headers kept as they were");
            assertEquals(Utils.toPositive(Utils.murmur2(r.key())) % PARTITIONS, r.partition(), "partitioned by the new key");
            partitionsOfGame.computeIfAbsent(gameId, g -> new HashSet<>()).add(r.partition());
            events.add(header(r, "event_id"));
        }
        assertEquals(EVENTS, events.size(), "every good event once");
        assertEquals(GAMES, partitionsOfGame.size());
        partitionsOfGame.forEach((game, partitions) -> assertEquals(1, partitions.size(), game + " in one partition: " + partitions));

        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String value = r.value() == null ? null : utf8(r.value());
            assertTrue(badAt.containsKey(value), "dead-lettered unchanged: " + value);
            RecordMetadata at = badAt.get(value);
            assertEquals(TOPIC, header(r, "__connect.errors.topic"));
            assertEquals(String.valueOf(at.partition()), header(r, "__connect.errors.partition"));
            assertEquals(String.valueOf(at.offset()), header(r, "__connect.errors.offset"));
            assertEquals("TRANSFORMATION", header(r, "__connect.errors.stage"));
            assertNotNull(header(r, "__connect.errors.exception.class.name"));
            String alias = header(r, "__connect.errors.transform.alias");
            assertTrue(header(r, "__connect.errors.exception.message").startsWith(alias + ": "), header(r, "__connect.errors.exception.message"));
            assertEquals(value.startsWith("{\"game_id\":\"nba-g2\"") ? "headers" : "key", alias, value);
            assertEquals("io.oddsupdate.connect.smt." + (alias.equals("key") ? "CanonicalKey" : "InjectHeaders"),
                    header(r, "__connect.errors.class.name"));
        }
    }
}
