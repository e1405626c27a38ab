package io.oddsupdate.connect.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Both MirrorMaker hops at once, the way the pipeline runs them, with the policy and the bundle's transforms from their
 * plugin ZIPs: vendor.raw.events.nba (vendor) becomes raw.events.nba (core), keyed by game with routing headers, misfits
 * in raw.events.dlq; odds.updates.internal.nba (core) becomes odds.updates.public.nba (edge) with only the public
 * fields, misfits in odds.updates.public.dlq. Each hop reconciles: in = out + DLQ.
 */
class BothHopsIT {

    static final int EVENTS = 30;
    static final long TIMEOUT_MS = 120_000;

    @Test
    void vendorToCoreAndCoreToEdgeRenameTransformAndDeadLetter() throws Exception {
        // The root build packages smt before this module; a build of this module alone has no smt ZIP to load.
        Assumptions.assumeTrue(MirrorConnectors.hasPluginZip("smt"), "smt/target/*-plugin.zip missing: run the whole build, or package smt first");
        EmbeddedKafkaCluster vendor = ConnectClusters.kafka(1);
        EmbeddedKafkaCluster edge = ConnectClusters.kafka(1);
        // One Connect cluster (on core) runs both hops; the edge hop's records go to edge through a producer override.
        java.nio.file.Path pluginPath = PluginPath.of("mirror-policies", "smt");
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        worker.put("connector.client.config.override.policy", "All");
        EmbeddedConnectCluster core = ConnectClusters.builder("both-hops-it", pluginPath).workerProps(worker).build();
        try {
            vendor.start();
            edge.start();
            core.start();
            vendor.createTopic("vendor.raw.events.nba", 3);
            core.kafka().createTopic("raw.events.dlq", 1);
            core.kafka().createTopic("odds.updates.internal.nba", 2);
            edge.createTopic("odds.updates.public.dlq", 1);

            List<String> vendorBad = List.of("not json", "{\"event_id\":\"e-x\",\"league\":\"nba\"}");
            try (KafkaProducer<byte[], byte[]> p = vendor.createProducer(Map.of())) {
                for (int n = 0; n < EVENTS; n++) {
                    p.send(new ProducerRecord<>("vendor.raw.events.nba", n % 3, null, bytes("{\"event_id\":\"e-" + n
                            + "\",\"game_id\":\"nba-g" + (n % 4) + "\",\"league\":\"nba\",\"seq\":" + n + "}"))).get();
                }
                for (String bad : vendorBad) {
                    p.send(new ProducerRecord<>("vendor.raw.events.nba", 0, null, bytes(bad))).get();
                }
            }
            List<String> coreBad = List.of("{\"event_id\":", "[1,2]");
            try (KafkaProducer<byte[], byte[]> p = core.kafka().createProducer(Map.of())) {
                for (int n = 0; n < EVENTS; n++) {
                    p.send(new ProducerRecord<>("odds.updates.internal.nba", n % 2, bytes("nba-g" + (n % 4)), bytes(
                            "{\"event_id\":\"e-" + n + "\",\"game_id\":\"nba-g" + (n % 4) + "\",\"odds\":-115.0,"
                                    + "\"margin_model\":{\"edge_bps\":42},\"trader_note\":\"internal only\"}"))).get();
                }
                for (String bad : coreBad) {
                    p.send(new ProducerRecord<>("odds.updates.internal.nba", 1, null, bytes(bad))).get();
                }
            }

            Map<String, String> vendorHop = MirrorConnectors.source("vendor", vendor, "core", core.kafka(), "vendor\\.raw\\.events\\..*");
            ConnectClusters.withVendorTransforms(vendorHop, "raw.events.dlq");
            core.configureConnector("vendor-to-core", vendorHop);

            Map<String, String> edgeHop = MirrorConnectors.source("core", core.kafka(), "edge", edge, "odds\\.updates\\.internal\\..*");
            edgeHop.put("producer.override.bootstrap.servers", edge.bootstrapServers());
            edgeHop.put("errors.tolerance", "none");
            edgeHop.put("transforms", "sanitize");
            edgeHop.put("transforms.sanitize.type", "io.oddsupdate.connect.smt.Sanitize");
            edgeHop.put("transforms.sanitize.transform.alias", "sanitize");
            edgeHop.put("transforms.sanitize.allow.fields", "event_id,game_id,odds");
            edgeHop.put("transforms.sanitize.dlq.topic", "odds.updates.public.dlq");
            edgeHop.put("transforms.sanitize.header.format", "bytes");
            core.configureConnector("core-to-edge", edgeHop);

            List<ConsumerRecord<byte[], byte[]>> raw = list(core.kafka().consume(EVENTS, TIMEOUT_MS, "raw.events.nba"));
            List<ConsumerRecord<byte[], byte[]>> rawDlq = list(core.kafka().consume(vendorBad.size(), TIMEOUT_MS, "raw.events.dlq"));
            List<ConsumerRecord<byte[], byte[]>> pub = list(edge.consume(EVENTS, TIMEOUT_MS, "odds.updates.public.nba"));
            List<ConsumerRecord<byte[], byte[]>> pubDlq = list(edge.consume(coreBad.size(), TIMEOUT_MS, "odds.updates.public.dlq"));
            core.assertions().assertConnectorAndExactlyNumTasksAreRunning("vendor-to-core", 1, "vendor hop must survive misfits");
            core.assertions().assertConnectorAndExactlyNumTasksAreRunning("core-to-edge", 1, "edge hop must survive misfits");

            // exact counts: nothing beyond what consume() waited for
            assertEquals(EVENTS, TopicMappingReplicationIT.count(core.kafka(), "raw.events.nba"));
            assertEquals(vendorBad.size(), TopicMappingReplicationIT.count(core.kafka(), "raw.events.dlq"));
            assertEquals(EVENTS, TopicMappingReplicationIT.count(edge, "odds.updates.public.nba"));
            assertEquals(coreBad.size(), TopicMappingReplicationIT.count(edge, "odds.updates.public.dlq"));

            for (ConsumerRecord<byte[], byte[]> r : raw) {
                String game = utf8(r.key());
                assertTrue(utf8(r.value()).contains("\"game_id\":\"" + game + "\""), utf8(r.value()));
                assertEquals("nba", header(r, "league"));
                assertEquals(game, header(r, "game_id"));
            }
            for (ConsumerRecord<byte[], byte[]> r : rawDlq) {
                assertEquals("vendor.raw.events.nba", header(r, "__connect.errors.topic"));
                assertTrue(vendorBad.contains(utf8(r.value())));
            }
            for (ConsumerRecord<byte[], byte[]> r : pub) {
                String value = utf8(r.value());
                assertFalse(value.contains("margin_model") || value.contains("trader_note"), value);
                assertTrue(value.contains("\"odds\":-115.0") && value.contains("\"game_id\":\"" + utf8(r.key()) + "\""), value);
            }
            for (ConsumerRecord<byte[], byte[]> r : pubDlq) {
                assertEquals("odds.updates.internal.nba", header(r, "__connect.errors.topic"));
                assertTrue(coreBad.contains(utf8(r.value())));
            }
            assertFalse(TopicMappingReplicationIT.topics(core.kafka()).contains("vendor.raw.events.nba"));
            assertFalse(TopicMappingReplicationIT.topics(edge).contains("odds.updates.internal.nba"));
            assertNull(header(raw.get(0), "__connect.errors.topic"));
        } finally {
            core.stop();
            edge.stop();
            vendor.stop();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> list(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        records.forEach(out::add);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : utf8(h.value());
    }
}
