package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.schemaregistry.deserializers.GlueSchemaRegistryKafkaDeserializer;
import com.amazonaws.services.schemaregistry.serializers.GlueSchemaRegistryKafkaSerializer;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.amazonaws.services.schemaregistry.utils.AvroRecordType;

import io.oddsupdate.connect.testkit.servers.MotoServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.Compatibility;
import software.amazon.awssdk.services.glue.model.DataFormat;

import io.oddsupdate.connect.common.Conformance;

/**
 * The AWS library against a real Glue API emulator (moto, started by the build): registration, version-id lookup,
 * encode here / decode with AWS's own Kafka deserializer as a partner would (and the other way round), and the
 * compatibility gate on registration.
 */
class GlueAvroMotoTest {

    static final String REGISTRY = "odds-update";
    static MotoServer moto;
    static GlueClient glue;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start();
        // The AWS SDK's default credentials chain (what the plugins use) reads these; moto accepts any.
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue = GlueClient.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)))
                .build();
    }

    @AfterAll
    static void stopMoto() {
        if (glue != null) {
            glue.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void freshRegistry() {
        moto.reset();
        glue.createRegistry(r -> r.registryName(REGISTRY));
    }

    static void createSchema(String schemaName, String repoRef) {
        RepoSchemas.Version v = RepoSchemas.get(repoRef);
        glue.createSchema(r -> r.registryId(id -> id.registryName(REGISTRY)).schemaName(schemaName).dataFormat(DataFormat.AVRO)
                .compatibility(Compatibility.fromValue(RepoSchemas.compatibility(v.name()))).schemaDefinition(v.schema().toString()));
    }

    static GlueSettings settings(boolean autoRegistration) {
        return new GlueSettings(MotoServer.REGION, moto.endpoint(), REGISTRY, autoRegistration, "FULL");
    }

    static Map<String, Object> partnerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(AWSSchemaRegistryConstants.AWS_REGION, MotoServer.REGION);
        c.put(AWSSchemaRegistryConstants.AWS_ENDPOINT, moto.endpoint());
        c.put(AWSSchemaRegistryConstants.REGISTRY_NAME, REGISTRY);
        c.put(AWSSchemaRegistryConstants.DATA_FORMAT, DataFormat.AVRO.name());
        c.put(AWSSchemaRegistryConstants.AVRO_RECORD_TYPE, AvroRecordType.GENERIC_RECORD.getName());
        c.put(AWSSchemaRegistryConstants.SCHEMA_AUTO_REGISTRATION_SETTING, false);
        return c;
    }

    @Test
    void whatWeEncodeAPartnerDecodesWithAwsKafkaDeserializer() {
        createSchema("raw.events.nba", "raw-event/v1");
        GenericRecord event = Conformance.toRecord(GlueAvroTest.vendorEvent("e-1", 7), RepoSchemas.get("raw-event/v1").schema());
        byte[] bytes;
        try (GlueAvro codec = new GlueAvro(settings(false))) {
            bytes = codec.encode("raw.events.nba", event);
            assertEquals(GlueAvro.HEADER_VERSION, bytes[0]);
            assertEquals(0, bytes[1], "no compression");
            assertEquals(event, codec.decode(bytes));
        }
        try (GlueSchemaRegistryKafkaDeserializer partner = new GlueSchemaRegistryKafkaDeserializer(partnerConfig())) {
            Object read = partner.deserialize("raw.events.nba", bytes);
            assertEquals(event, read);
        }
    }

    @Test
    void whatAwsKafkaSerializerWritesWeDecode() {
        createSchema("odds.updates.public.nba", "odds-update-public/v1");
        Schema publicV1 = RepoSchemas.get("odds-update-public/v1").schema();
        GenericRecord update = Conformance.toRecord(GlueAvroTest.publicUpdate(), publicV1);
        Map<String, Object> c = partnerConfig();
        byte[] bytes;
        try (GlueSchemaRegistryKafkaSerializer aws = new GlueSchemaRegistryKafkaSerializer(c)) {
            bytes = aws.serialize("odds.updates.public.nba", update);
        }
        try (GlueAvro codec = new GlueAvro(settings(false))) {
            assertEquals(update, codec.decode(bytes));
            assertEquals(codec.versionId("odds.updates.public.nba", publicV1), codec.versionId(bytes));
        }
    }

    @Test
    void anUnregisteredSchemaIsRejectedWhenAutoRegistrationIsOff() {
        createSchema("raw.events.nba", "raw-event/v1");
        GenericRecord event = Conformance.toRecord(GlueAvroTest.vendorEvent("e-1", 7), RepoSchemas.get("raw-event/v1").schema());
        try (GlueAvro codec = new GlueAvro(settings(false))) {
            SchemaRejectedException e = assertThrows(SchemaRejectedException.class, () -> codec.encode("raw.events.nfl", event));
            assertTrue(e.getMessage().contains("not registered under 'raw.events.nfl'"), e.getMessage());
        }
    }

    @Test
    void autoRegistrationCreatesTheSchemaAndAddsCompatibleVersionsOnly() {
        Schema v1 = RepoSchemas.get("odds-update-public/v1").schema();
        Schema compatible = SchemaCompatibilityGateTest.withField(v1, "{\"name\": \"margin\", \"type\": [\"null\", \"double\"], \"default\": null}");
        Schema incompatible = SchemaCompatibilityGateTest.withField(v1, "{\"name\": \"margin\", \"type\": \"double\"}");
        try (GlueAvro codec = new GlueAvro(settings(true))) {
            UUID first = codec.versionId("odds.updates.public.mlb", v1);
            assertEquals("FULL", glue.getSchema(r -> r.schemaId(s -> s.registryName(REGISTRY).schemaName("odds.updates.public.mlb")))
                    .compatibilityAsString(), "created with glue.schema.compatibility");
            UUID second = codec.versionId("odds.updates.public.mlb", compatible);
            assertNotEquals(first, second);
            SchemaRejectedException e = assertThrows(SchemaRejectedException.class,
                    () -> codec.versionId("odds.updates.public.mlb", incompatible));
            assertTrue(e.getMessage().contains("is FULL") && e.getMessage().contains("BACKWARD incompatible"), e.getMessage());
            assertEquals(2L, glue.getSchema(r -> r.schemaId(s -> s.registryName(REGISTRY).schemaName("odds.updates.public.mlb")))
                    .latestSchemaVersion(), "the incompatible version never reached the registry");
        }
        // moto itself does not evaluate compatibility (its Glue model says so): sent directly, it accepts the version
        // that real Glue would mark FAILURE. That is why the check above runs client-side before RegisterSchemaVersion.
        String status = glue.registerSchemaVersion(r -> r.schemaId(s -> s.registryName(REGISTRY).schemaName("odds.updates.public.mlb"))
                .schemaDefinition(incompatible.toString())).statusAsString();
        assertEquals("AVAILABLE", status, "if moto starts checking compatibility, this test can rely on it instead");
    }

    @Test
    void versionIdsAreCachedNotFetchedPerRecord() {
        Schema schema = RepoSchemas.get("raw-event/v1").schema();
        try (MotoServer own = MotoServer.start()) {
            try (GlueClient g = GlueClient.builder().endpointOverride(URI.create(own.endpoint())).region(Region.of(MotoServer.REGION)).build()) {
                g.createRegistry(r -> r.registryName(REGISTRY));
            }
            GlueSettings s = new GlueSettings(MotoServer.REGION, own.endpoint(), REGISTRY, true, "BACKWARD");
            try (GlueAvro codec = new GlueAvro(s)) {
                byte[] first = codec.encode("raw.events.nba", Conformance.toRecord(GlueAvroTest.vendorEvent("e-1", 1), schema));
                own.close(); // the registry is gone: cached ids and schemas keep working
                for (int i = 2; i < 100; i++) {
                    byte[] b = codec.encode("raw.events.nba", Conformance.toRecord(GlueAvroTest.vendorEvent("e-" + i, i), schema));
                    assertEquals(codec.versionId(first), codec.versionId(b));
                    assertEquals(i, ((Number) codec.decode(b).get("seq")).intValue());
                }
                // a schema not seen before needs the registry: that is retried, not dead-lettered
                Schema other = RepoSchemas.get("odds-update-public/v1").schema();
                assertThrows(RetriableException.class, () -> codec.versionId("odds.updates.public.nba", other));
            }
        }
    }

}
