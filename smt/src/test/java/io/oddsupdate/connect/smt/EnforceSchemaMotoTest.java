package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.schemaregistry.deserializers.GlueSchemaRegistryKafkaDeserializer;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.amazonaws.services.schemaregistry.utils.AvroRecordType;

import io.oddsupdate.connect.common.DeadLetterRoute;
import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.glue.GlueSettings;
import io.oddsupdate.connect.common.glue.RepoSchemas;
import io.oddsupdate.connect.testkit.servers.MotoServer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.Compatibility;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * EnforceSchema against Glue's API (moto): schemas registered as the release would, vendor JSON encoded by the
 * transform, decoded by AWS's own {@code GlueSchemaRegistryKafkaDeserializer} exactly as a partner's consumer would.
 */
class EnforceSchemaMotoTest {

    static final String REGISTRY = "odds-update";
    static MotoServer moto;
    static GlueClient glue;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue = GlueClient.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION)).build();
        glue.createRegistry(r -> r.registryName(REGISTRY));
        register("raw.events.nba", "raw-event/v1");
        register("odds.updates.public.nba", "odds-update-public/v1");
    }

    static void register(String schemaName, String ref) {
        RepoSchemas.Version v = RepoSchemas.get(ref);
        glue.createSchema(r -> r.registryId(id -> id.registryName(REGISTRY)).schemaName(schemaName).dataFormat(DataFormat.AVRO)
                .compatibility(Compatibility.fromValue(RepoSchemas.compatibility(v.name()))).schemaDefinition(v.schema().toString()));
    }

    @AfterAll
    static void stop() {
        if (glue != null) {
            glue.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    static EnforceSchema<SourceRecord> transform(String schema, boolean autoRegistration) {
        Map<String, String> props = new HashMap<>();
        props.put(EnforceSchema.SCHEMA_CONFIG, schema);
        props.put(GlueSettings.REGION_CONFIG, MotoServer.REGION);
        props.put(GlueSettings.ENDPOINT_CONFIG, moto.endpoint());
        props.put(GlueSettings.REGISTRY_CONFIG, REGISTRY);
        props.put(GlueSettings.AUTO_REGISTRATION_CONFIG, String.valueOf(autoRegistration));
        props.put(DeadLetterRoute.DLQ_TOPIC_CONFIG, "raw.events.dlq");
        EnforceSchema<SourceRecord> t = new EnforceSchema<>();
        t.configure(props);
        return t;
    }

    static GlueSchemaRegistryKafkaDeserializer partner() {
        Map<String, Object> c = new HashMap<>();
        c.put(AWSSchemaRegistryConstants.AWS_REGION, MotoServer.REGION);
        c.put(AWSSchemaRegistryConstants.AWS_ENDPOINT, moto.endpoint());
        c.put(AWSSchemaRegistryConstants.AVRO_RECORD_TYPE, AvroRecordType.GENERIC_RECORD.getName());
        return new GlueSchemaRegistryKafkaDeserializer(c);
    }

    @Test
    void aPartnerDecodesWhatEnforceSchemaWrites() {
        byte[] json = EnforceSchemaTest.VENDOR_JSON.getBytes(StandardCharsets.UTF_8);
        try (EnforceSchema<SourceRecord> t = transform("raw-event/v1", false); GlueSchemaRegistryKafkaDeserializer partner = partner()) {
            SourceRecord out = t.apply(EnforceSchemaTest.record("raw.events.nba", json));
            assertEquals("raw.events.nba", out.topic());
            GenericRecord read = (GenericRecord) partner.deserialize("raw.events.nba", (byte[]) out.value());
            @SuppressWarnings("unchecked")
            Map<String, Object> expected = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
            expected.remove("vendor_extra");
            assertEquals(Conformance.toRecord(expected, RepoSchemas.get("raw-event/v1").schema()), read);
            assertEquals("nba-g1", read.get("game_id").toString());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aTopicWithoutRegisteredSchemaIsDeadLetteredWhenAutoRegistrationIsOff() {
        try (EnforceSchema<SourceRecord> t = transform("raw-event/v1", false)) {
            SourceRecord out = t.apply(EnforceSchemaTest.record("raw.events.nhl", EnforceSchemaTest.VENDOR_JSON.getBytes(StandardCharsets.UTF_8)));
            assertEquals("raw.events.dlq", out.topic());
            assertTrue(EnforceSchemaTest.header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER)
                    .contains("is not registered under 'raw.events.nhl' in Glue registry 'odds-update'"));
        }
    }

    @Test
    void anIncompatibleSchemaIsRefusedAndItsRecordsDeadLettered() {
        // the registry's raw.events.nba is BACKWARD at raw-event/v1; the public record is not a compatible next version
        try (EnforceSchema<SourceRecord> t = new EnforceSchema<>()) {
            Map<String, String> props = new HashMap<>();
            props.put(EnforceSchema.SCHEMA_CONFIG, "odds-update-public/v1");
            props.put(EnforceSchema.SCHEMA_NAME_CONFIG, "raw.events.nba");
            props.put(GlueSettings.REGION_CONFIG, MotoServer.REGION);
            props.put(GlueSettings.ENDPOINT_CONFIG, moto.endpoint());
            props.put(GlueSettings.AUTO_REGISTRATION_CONFIG, "true");
            props.put(DeadLetterRoute.DLQ_TOPIC_CONFIG, "odds.updates.public.dlq");
            t.configure(props);
            String update = "{\"event_uid\":\"u\",\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g\",\"market\":\"moneyline\",\"odds\":-110}";
            SourceRecord out = t.apply(EnforceSchemaTest.record("odds.updates.public.nba", update.getBytes(StandardCharsets.UTF_8)));
            assertEquals("odds.updates.public.dlq", out.topic());
            String reason = EnforceSchemaTest.header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER);
            assertTrue(reason.contains("schema 'raw.events.nba' is BACKWARD") && reason.contains("incompatible"), reason);
        }
        assertEquals(1L, glue.getSchema(r -> r.schemaId(s -> s.registryName(REGISTRY).schemaName("raw.events.nba"))).latestSchemaVersion());
    }

    @Test
    void anUnreachableRegistryIsRetriedNotDeadLettered() {
        Map<String, String> props = new HashMap<>();
        props.put(EnforceSchema.SCHEMA_CONFIG, "raw-event/v1");
        props.put(GlueSettings.REGION_CONFIG, MotoServer.REGION);
        props.put(GlueSettings.ENDPOINT_CONFIG, "http://127.0.0.1:9"); // nothing listens on the discard port
        props.put(DeadLetterRoute.DLQ_TOPIC_CONFIG, "raw.events.dlq");
        try (EnforceSchema<SourceRecord> t = new EnforceSchema<>()) {
            t.configure(props);
            SourceRecord in = EnforceSchemaTest.record("raw.events.nba", EnforceSchemaTest.VENDOR_JSON.getBytes(StandardCharsets.UTF_8));
            org.junit.jupiter.api.Assertions.assertThrows(org.apache.kafka.connect.errors.RetriableException.class, () -> t.apply(in));
        }
    }
}
