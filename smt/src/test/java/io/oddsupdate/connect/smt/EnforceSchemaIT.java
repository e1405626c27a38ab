package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.servers.MotoServer;

/**
 * The vendor hop in a real MirrorSourceConnector: the smt plugin ZIP on plugin.path (its classes, the AWS library and
 * the Glue client absent from this class path), Glue's API served by moto. JSON vendor events become Glue-Avro on
 * raw.events.nba keyed by game id; events that do not fit land in raw.events.dlq with the reason; in = out + DLQ.
 */
class EnforceSchemaIT {

    static final String TOPIC = "raw.events.nba";
    static final String DLQ = "raw.events.dlq";
    static final String REGISTRY = "odds-update";
    static final ObjectMapper JSON = new ObjectMapper();

    MotoServer moto;
    EmbeddedKafkaCluster vendor;
    EmbeddedConnectCluster core;

    @BeforeEach
    void start() throws IOException {
        moto = MotoServer.start();
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue("CreateRegistry", Map.of("RegistryName", REGISTRY));
        String definition = readRepo("schemas/raw-event/v1.avsc");
        glue("CreateSchema", Map.of("RegistryId", Map.of("RegistryName", REGISTRY), "SchemaName", TOPIC, "DataFormat", "AVRO",
                "Compatibility", "BACKWARD", "SchemaDefinition", new Schema.Parser().parse(definition).toString()));

        vendor = ConnectClusters.kafka(1);
        vendor.start();
        vendor.createTopic(TOPIC, 1);
        core = ConnectClusters.builder("enforce-schema-it", PluginPath.of("smt")).build();
        core.start();
        core.kafka().createTopic(DLQ, 1);
    }

    @AfterEach
    void stop() {
        if (core != null) {
            core.stop();
        }
        if (vendor != null) {
            vendor.stop();
        }
        if (moto != null) {
            moto.close();
        }
    }

    static String readRepo(String path) throws IOException {
        return java.nio.file.Files.readString(PluginPath.projectRoot().resolve(path));
    }

    /** One Glue API call, straight over HTTP (the AWS SDK is deliberately not on this class path). */
    JsonNode glue(String action, Map<String, ?> body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(moto.endpoint()).toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
        c.setRequestProperty("X-Amz-Target", "AWSGlue." + action);
        c.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=" + MotoServer.ACCESS_KEY + "/20260101/" + MotoServer.REGION + "/glue/aws4_request, SignedHeaders=host, Signature=0");
        try (OutputStream out = c.getOutputStream()) {
            out.write(JSON.writeValueAsBytes(body));
        }
        assertEquals(200, c.getResponseCode(), action);
        return JSON.readTree(c.getInputStream());
    }

    static String event(int n, Object seq) throws IOException {
        Map<String, Object> e = new HashMap<>();
        e.put("event_id", "e-" + n);
        e.put("game_id", "nba-g" + (n % 2));
        e.put("league", "nba");
        e.put("seq", seq);
        e.put("event_ts", 1764000000000L + n);
        e.put("type", "CLOCK");
        e.put("payload", Map.of("period", 1, "clock_remaining_s", 700 - n));
        return JSON.writeValueAsString(e);
    }

    @Test
    void vendorJsonBecomesGlueAvroAndMisfitsAreDeadLettered() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("software.amazon.awssdk.services.glue.GlueClient"),
                "the Glue client must come from the plugin ZIP only");
        List<String> good = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            good.add(event(n, n));
        }
        List<String> bad = List.of(event(6, "six"), "{\"event_id\": \"e-7\", ", event(8, 8).replace("CLOCK", "TIMEOUT"));
        for (String v : good) {
            vendor.produce(TOPIC, null, v);
        }
        for (String v : bad) {
            vendor.produce(TOPIC, null, v);
        }

        Map<String, String> mm2 = new HashMap<>();
        mm2.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
        mm2.put("tasks.max", "1");
        mm2.put("source.cluster.alias", "vendor");
        mm2.put("target.cluster.alias", "core");
        mm2.put("source.cluster.bootstrap.servers", vendor.bootstrapServers());
        mm2.put("target.cluster.bootstrap.servers", core.kafka().bootstrapServers());
        mm2.put("topics", TOPIC);
        mm2.put("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
        mm2.put("replication.factor", "1");
        mm2.put("offset-syncs.topic.replication.factor", "1");
        mm2.put("sync.topic.acls.enabled", "false");
        mm2.put("refresh.topics.interval.seconds", "1");
        mm2.put("transforms", "enforce,key");
        mm2.put("transforms.enforce.type", "io.oddsupdate.connect.smt.EnforceSchema");
        mm2.put("transforms.enforce.schema", "raw-event/v1");
        mm2.put("transforms.enforce.glue.region", MotoServer.REGION);
        mm2.put("transforms.enforce.glue.endpoint", moto.endpoint());
        mm2.put("transforms.enforce.glue.registry.name", REGISTRY);
        mm2.put("transforms.enforce.dlq.topic", DLQ);
        mm2.put("transforms.enforce.transform.alias", "enforce");
        mm2.put("transforms.key.type", "io.oddsupdate.connect.smt.CanonicalKey");
        mm2.put("transforms.key.dlq.topic", DLQ);
        core.configureConnector("vendor-to-core", mm2);

        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        core.kafka().consume(good.size(), 120_000, TOPIC).forEach(out::add);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        core.kafka().consume(bad.size(), 60_000, DLQ).forEach(dead::add);
        assertEquals(good.size() + bad.size(), out.size() + dead.size(), "in = out + DLQ");
        assertEquals(good.size(), out.size());

        Map<UUID, Schema> schemas = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            byte[] v = r.value();
            assertEquals(3, v[0], "Glue header version byte");
            assertEquals(0, v[1], "no compression");
            ByteBuffer b = ByteBuffer.wrap(v, 2, 16);
            UUID id = new UUID(b.getLong(), b.getLong());
            Schema schema = schemas.computeIfAbsent(id, this::schema);
            GenericRecord rec = new GenericDatumReader<GenericRecord>(schema)
                    .read(null, DecoderFactory.get().binaryDecoder(v, 18, v.length - 18, null));
            JsonNode expected = JSON.readTree(good.get(((Long) rec.get("seq")).intValue()));
            assertEquals(expected.get("event_id").asText(), rec.get("event_id").toString());
            assertEquals(expected.get("game_id").asText(), rec.get("game_id").toString());
            assertEquals(expected.get("payload").get("clock_remaining_s").asInt(), ((GenericRecord) rec.get("payload")).get("clock_remaining_s"));
            assertEquals(expected.get("game_id").asText(), new String(r.key(), StandardCharsets.UTF_8), "CanonicalKey read the Glue-Avro value");
        }
        assertEquals(1, schemas.size(), "one version id for every record");

        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertTrue(bad.contains(value), "dead-lettered unchanged: " + value);
            Header reason = r.headers().lastHeader("__connect.errors.exception.message");
            assertNotNull(reason);
            reasons.put(value, new String(reason.value(), StandardCharsets.UTF_8));
            assertEquals(TOPIC, new String(r.headers().lastHeader("__connect.errors.topic").value(), StandardCharsets.UTF_8));
        }
        assertEquals("enforce: field 'seq': expected long, got string \"six\"", reasons.get(bad.get(0)).replaceAll(" \\(record.*", ""));
        assertTrue(reasons.get(bad.get(1)).startsWith("enforce: malformed JSON"), reasons.get(bad.get(1)));
        assertTrue(reasons.get(bad.get(2)).startsWith("enforce: field 'type': expected one of"), reasons.get(bad.get(2)));
    }

    Schema schema(UUID id) {
        try {
            return new Schema.Parser().parse(glue("GetSchemaVersion", Map.of("SchemaVersionId", id.toString())).get("SchemaDefinition").asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
