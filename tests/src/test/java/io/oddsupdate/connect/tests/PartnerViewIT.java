package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.schemaregistry.deserializers.GlueSchemaRegistryKafkaDeserializer;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.amazonaws.services.schemaregistry.utils.AvroRecordType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.servers.MotoServer;

/**
 * The partners' view: the pipeline on a Glue Schema Registry (moto's Glue API), and a partner's plain Kafka consumer
 * at the edge with AWS's own {@code GlueSchemaRegistryKafkaDeserializer} reading {@code odds.updates.public.*}: every
 * record decodes to a {@code PublicOddsUpdate} with the public schema's fields, keyed by its game.
 */
class PartnerViewIT {

    static final String REGISTRY = "odds-update";
    static final ObjectMapper JSON = new ObjectMapper();

    static MotoServer moto;
    static Pipeline pipeline;
    static SeedData seed;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        // the plugins' AWS SDK (default credential chain) runs in this JVM's worker
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue(moto, "CreateRegistry", Map.of("RegistryName", REGISTRY));
        RecordValues.resolver = id -> glue(moto, "GetSchemaVersion", Map.of("SchemaVersionId", id.toString())).get("SchemaDefinition").asText();
        seed = SeedData.load();
        // schemas register themselves on first use here (a release registers them in production)
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()).withGlue(Map.of(
                "glue.region", MotoServer.REGION, "glue.endpoint", moto.endpoint(), "glue.registry.name", REGISTRY,
                "glue.schema.auto.registration", "true")));
    }

    @AfterAll
    static void stop() {
        RecordValues.resolver = null;
        if (pipeline != null) {
            pipeline.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void partnersReadPublicOddsWithAwsDeserializer() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 20, 0.0, List.of(), 3L);
        long published;
        Map<String, Long> counters;
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            sim.playAll(List.of());
            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(180), () -> { });
            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING));
            assertEquals(List.of(), r.get(PipelineTally.Outcome.DEAD_LETTERED));
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations());
            published = seed.leagues().stream().mapToLong(l -> tally.counted("public." + l)).sum();
            counters = tally.counters();
            counters.put("edge dead letters " + tally.edgeDeadLetters(), 0L);
        }
        assertTrue(published > 0, "nothing published at the edge: " + counters);

        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", pipeline.edge().bootstrapServers());
        props.put("group.id", "partner-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        props.put(AWSSchemaRegistryConstants.AWS_REGION, MotoServer.REGION);
        props.put(AWSSchemaRegistryConstants.AWS_ENDPOINT, moto.endpoint());
        props.put(AWSSchemaRegistryConstants.REGISTRY_NAME, REGISTRY);
        props.put(AWSSchemaRegistryConstants.AVRO_RECORD_TYPE, AvroRecordType.GENERIC_RECORD.getName());
        Set<String> publicFields = PipelineTally.publicFields();
        List<ConsumerRecord<String, Object>> read = new ArrayList<>();
        try (KafkaConsumer<String, Object> partner = new KafkaConsumer<>(props, new StringDeserializer(), new GlueSchemaRegistryKafkaDeserializer(props))) {
            partner.subscribe(seed.leagues().stream().map(l -> Pipeline.PUBLIC_PREFIX + l).toList());
            long deadline = System.currentTimeMillis() + 120_000;
            while (read.size() < published && System.currentTimeMillis() < deadline) {
                partner.poll(Duration.ofMillis(500)).forEach(read::add);
            }
        }
        assertEquals(published, read.size(), "records a partner reads at the edge");
        Set<String> schemas = new HashSet<>();
        for (ConsumerRecord<String, Object> rec : read) {
            GenericRecord v = (GenericRecord) rec.value();
            Schema schema = v.getSchema();
            schemas.add(schema.getFullName());
            assertEquals(publicFields, schema.getFields().stream().map(Schema.Field::name).collect(Collectors.toSet()));
            assertEquals(rec.key(), v.get("game_id").toString());
            assertEquals(rec.topic(), Pipeline.PUBLIC_PREFIX + v.get("league"));
            assertTrue(v.get("odds") instanceof Double && v.get("event_uid") != null, v.toString());
        }
        assertEquals(Set.of("io.oddsupdate.public.PublicOddsUpdate"), schemas);
    }

    /** One Glue API call on moto, over HTTP. */
    static JsonNode glue(MotoServer moto, String action, Map<String, ?> body) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(moto.endpoint()).toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
            c.setRequestProperty("X-Amz-Target", "AWSGlue." + action);
            c.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=" + MotoServer.ACCESS_KEY + "/20260101/"
                    + MotoServer.REGION + "/glue/aws4_request, SignedHeaders=host, Signature=0");
            try (OutputStream out = c.getOutputStream()) {
                out.write(JSON.writeValueAsBytes(body));
            }
            if (c.getResponseCode() != 200) {
                throw new IllegalStateException(action + " answered HTTP " + c.getResponseCode());
            }
            return JSON.readTree(c.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
