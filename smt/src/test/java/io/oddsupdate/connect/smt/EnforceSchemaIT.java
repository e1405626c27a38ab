package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * Both hops in a real MirrorSourceConnector with the smt plugin ZIP on plugin.path (its classes, the AWS library and
 * the Glue client absent from this class path). Vendor hop, Glue's API served by moto: JSON vendor events become
 * Glue-Avro on raw.events.nba keyed by game id; events that do not fit land in raw.events.dlq with the reason. Edge hop,
 * local registry: only public-schema records leave. In both, in = out + DLQ.
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
    void start() {
        vendor = ConnectClusters.kafka(1);
        vendor.start();
        core = ConnectClusters.builder("enforce-schema-it", PluginPath.of("smt")).build();
        core.start();
    }

    void startMoto() throws IOException {
        moto = MotoServer.start();
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue("CreateRegistry", Map.of("RegistryName", REGISTRY));
        glue("CreateSchema", Map.of("RegistryId", Map.of("RegistryName", REGISTRY), "SchemaName", TOPIC, "DataFormat", "AVRO",
                "Compatibility", "BACKWARD", "SchemaDefinition", repoSchema("raw-event/v1").toString()));
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

    static Schema repoSchema(String ref) {
        try {
            return new Schema.Parser().parse(Files.readString(PluginPath.projectRoot().resolve("schemas/" + ref + ".avsc")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The local registry's version id of a repo schema (what GlueSettings computes with no region/endpoint). */
    static UUID localId(String ref) {
        return UUID.nameUUIDFromBytes(("odds-update:schemas/" + ref).getBytes(StandardCharsets.UTF_8));
    }

    /** Glue wire format by hand: header 3, no compression, version id, Avro body. */
    static byte[] glueAvro(UUID id, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(3);
        out.write(0);
        out.write(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
        enc.flush();
        return out.toByteArray();
    }

    static UUID idOf(byte[] v) {
        assertEquals(3, v[0], "Glue header version byte");
        assertEquals(0, v[1], "no compression");
        ByteBuffer b = ByteBuffer.wrap(v, 2, 16);
        return new UUID(b.getLong(), b.getLong());
    }

    static GenericRecord body(byte[] v, Schema schema) throws IOException {
        return new GenericDatumReader<GenericRecord>(schema).read(null, DecoderFactory.get().binaryDecoder(v, 18, v.length - 18, null));
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
        startMoto();
        vendor.createTopic(TOPIC, 1);
        core.kafka().createTopic(DLQ, 1);
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

        core.configureConnector("vendor-to-core", vendorHop(TOPIC, true));

        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        core.kafka().consume(good.size(), 120_000, TOPIC).forEach(out::add);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        core.kafka().consume(bad.size(), 60_000, DLQ).forEach(dead::add);
        assertEquals(good.size() + bad.size(), out.size() + dead.size(), "in = out + DLQ");
        assertEquals(good.size(), out.size());

        Map<UUID, Schema> schemas = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            UUID id = idOf(r.value());
            GenericRecord rec = body(r.value(), schemas.computeIfAbsent(id, this::schema));
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

    /**
     * The vendor hop's transforms (EnforceSchema, then CanonicalKey reading its Glue-Avro output) on {@code topic}; with
     * {@code moto}, both with the glue.* settings of the moto registry, else with none (the repo's schema files).
     */
    Map<String, String> vendorHop(String topic, boolean moto) {
        Map<String, String> mm2 = ConnectClusters.mirrorSource(vendor, core.kafka(), topic);
        mm2.putAll(Map.of("transforms", "enforce,key",
                "transforms.enforce.type", "io.oddsupdate.connect.smt.EnforceSchema", "transforms.enforce.schema", "raw-event/v1",
                "transforms.enforce.transform.alias", "enforce", "transforms.key.type", "io.oddsupdate.connect.smt.CanonicalKey"));
        for (String t : List.of("enforce", "key")) {
            mm2.put("transforms." + t + ".dlq.topic", DLQ);
            // MirrorMaker's header converter is ByteArrayConverter: dead-letter headers must be bytes
            mm2.put("transforms." + t + ".header.format", "bytes");
            if (moto) {
                mm2.putAll(Map.of("transforms." + t + ".glue.region", MotoServer.REGION, "transforms." + t + ".glue.endpoint",
                        this.moto.endpoint(), "transforms." + t + ".glue.registry.name", REGISTRY));
            }
        }
        return mm2;
    }

    /**
     * Two connectors in one worker, one on Glue (moto), one on the repo's schema files: each transform reads with the
     * registry of its own glue.* settings, so each connector's CanonicalKey decodes the Glue-Avro its own EnforceSchema
     * wrote (with one registry shared by the worker, one of them would read the other's ids and dead-letter everything).
     */
    @Test
    void twoConnectorsWithDifferentGlueSettingsInOneWorkerEachReadWithTheirOwn() throws Exception {
        startMoto();
        String other = "raw.events.nfl";
        vendor.createTopic(TOPIC, 1);
        vendor.createTopic(other, 1);
        core.kafka().createTopic(DLQ, 1);
        for (int n = 0; n < 4; n++) {
            vendor.produce(TOPIC, null, event(n, n));
            vendor.produce(other, null, event(n, n).replace("nba-g", "nfl-g"));
        }
        core.configureConnector("glue-hop", vendorHop(TOPIC, true));
        core.configureConnector("local-hop", vendorHop(other, false));

        Map<String, UUID> idByTopic = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : core.kafka().consume(8, 120_000, TOPIC, other)) {
            UUID id = idOf(r.value());
            assertEquals(id, idByTopic.computeIfAbsent(r.topic(), t -> id), "one version id per connector");
            String gameId = body(r.value(), repoSchema("raw-event/v1")).get("game_id").toString();
            assertEquals(gameId, new String(r.key(), StandardCharsets.UTF_8), "keyed by its own connector's CanonicalKey");
        }
        assertEquals(localId("raw-event/v1"), idByTopic.get(other), "the local connector: the repo schema's id");
        assertTrue(!localId("raw-event/v1").equals(idByTopic.get(TOPIC)), "the Glue connector: an id Glue assigned");
        assertEquals(0, core.kafka().consumeAll(5_000, DLQ).count(), "nothing dead-lettered");
    }

    /**
     * The edge hop as shipped, on the local registry (no glue.* settings: the repo's schema files): one EnforceSchema
     * step onto the public schema, under the alias 'sanitize'; internal Glue-Avro updates leave as public-schema records
     * only; a record that is not an odds update, and a tombstone, are dead-lettered.
     */
    @Test
    void edgeHopWritesPublicSchemaRecordsOnly() throws Exception {
        String internalTopic = "odds.updates.internal.nba";
        String publicDlq = "odds.updates.public.dlq";
        vendor.createTopic(internalTopic, 1);
        core.kafka().createTopic(publicDlq, 1);
        Schema internalV2 = repoSchema("odds-update-internal/v2");
        Schema publicV1 = repoSchema("odds-update-public/v1");
        List<byte[]> in = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            GenericRecord u = new GenericData.Record(internalV2);
            for (Schema.Field f : internalV2.getFields()) {
                u.put(f.pos(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
            }
            u.put("event_uid", "u-" + n);
            u.put("event_ts", 1764000000000L + n);
            u.put("league", "nba");
            u.put("game_id", "nba-g1");
            u.put("market", "moneyline");
            u.put("odds", -110.0 - n);
            u.put("selection", "home");
            u.put("fair_prob", 0.5);
            u.put("model_inputs", Map.of("lead", 3.0));
            u.put("source_offset", (long) n);
            in.add(glueAvro(localId("odds-update-internal/v2"), u));
        }
        GenericRecord notAnUpdate = new GenericData.Record(repoSchema("raw-event/v1"));
        for (Schema.Field f : notAnUpdate.getSchema().getFields()) {
            notAnUpdate.put(f.pos(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
        }
        byte[] misfit = glueAvro(localId("raw-event/v1"), rawEvent(notAnUpdate));
        try (KafkaProducer<byte[], byte[]> producer = vendor.createProducer(Map.of())) {
            for (byte[] v : in) {
                producer.send(new ProducerRecord<>(internalTopic, v)).get();
            }
            producer.send(new ProducerRecord<>(internalTopic, misfit)).get();
            producer.send(new ProducerRecord<>(internalTopic, null)).get();
        }

        Map<String, String> mm2 = ConnectClusters.mirrorSource(vendor, core.kafka(), internalTopic);
        mm2.put("transforms", "sanitize");
        mm2.put("transforms.sanitize.type", "io.oddsupdate.connect.smt.EnforceSchema");
        mm2.put("transforms.sanitize.transform.alias", "sanitize");
        mm2.put("transforms.sanitize.schema", "odds-update-public/v1");
        mm2.put("transforms.sanitize.tombstones", "dead.letter");
        mm2.put("transforms.sanitize.dlq.topic", publicDlq);
        mm2.put("transforms.sanitize.header.format", "bytes");
        core.configureConnector("core-to-edge", mm2);

        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        core.kafka().consume(in.size(), 120_000, internalTopic).forEach(out::add);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        core.kafka().consume(2, 60_000, publicDlq).forEach(dead::add);
        dead.sort(java.util.Comparator.comparing((ConsumerRecord<byte[], byte[]> r) -> r.value() == null));
        assertEquals(in.size() + 2, out.size() + dead.size(), "in = out + DLQ");
        for (ConsumerRecord<byte[], byte[]> r : out) {
            assertEquals(localId("odds-update-public/v1"), idOf(r.value()), "public schema only");
            GenericRecord p = body(r.value(), publicV1);
            assertTrue(p.get("event_uid").toString().startsWith("u-"));
            assertEquals("home", p.get("selection").toString());
        }
        assertArrayEquals(misfit, dead.get(0).value(), "dead-lettered unchanged");
        String reason = new String(dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("sanitize: field 'event_uid' is required but missing"), reason);
        String tombstone = new String(dead.get(1).headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8);
        assertTrue(tombstone.startsWith("sanitize: tombstone: "), tombstone);
    }

    static GenericRecord rawEvent(GenericRecord r) {
        r.put("event_id", "e-1");
        r.put("game_id", "nba-g1");
        r.put("league", "nba");
        r.put("seq", 1L);
        r.put("event_ts", 1764000000000L);
        r.put("type", new GenericData.EnumSymbol(r.getSchema().getField("type").schema(), "CLOCK"));
        GenericRecord payload = new GenericData.Record(r.getSchema().getField("payload").schema());
        for (Schema.Field f : payload.getSchema().getFields()) {
            payload.put(f.pos(), null);
        }
        r.put("payload", payload);
        return r;
    }

    Schema schema(UUID id) {
        try {
            return new Schema.Parser().parse(glue("GetSchemaVersion", Map.of("SchemaVersionId", id.toString())).get("SchemaDefinition").asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
