package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.amazonaws.services.schemaregistry.utils.AvroRecordType;

import io.oddsupdate.connect.testkit.servers.MotoServer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.Compatibility;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * Why the bundle ships {@link GlueAvroConverter} instead of AWS's {@code AWSKafkaAvroConverter} (1.1.9, the newest on
 * Maven Central), tried here on the serde 1.1.27 we ship, against moto. It loads and runs on the newer serde, but it
 * derives the Avro schema from the Connect schema, so the schema it looks up is not the repo's registered one: with
 * auto-registration off (production) every record fails; with it on, it registers a schema of its own making.
 */
class AwsConverterTrialTest {

    static MotoServer moto;
    static GlueClient glue;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
        glue = GlueClient.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION)).build();
        glue.createRegistry(r -> r.registryName("odds-update"));
        glue.createSchema(r -> r.registryId(id -> id.registryName("odds-update")).schemaName("odds.updates.internal.nba")
                .dataFormat(DataFormat.AVRO).compatibility(Compatibility.BACKWARD)
                .schemaDefinition(RepoSchemas.get("odds-update-internal/v2").schema().toString()));
    }

    @AfterAll
    static void stop() {
        glue.close();
        moto.close();
    }

    static AWSKafkaAvroConverter aws(boolean autoRegistration) {
        Map<String, Object> c = new HashMap<>();
        c.put(AWSSchemaRegistryConstants.AWS_REGION, MotoServer.REGION);
        c.put(AWSSchemaRegistryConstants.AWS_ENDPOINT, moto.endpoint());
        c.put(AWSSchemaRegistryConstants.REGISTRY_NAME, "odds-update");
        c.put(AWSSchemaRegistryConstants.AVRO_RECORD_TYPE, AvroRecordType.GENERIC_RECORD.getName());
        c.put(AWSSchemaRegistryConstants.SCHEMA_AUTO_REGISTRATION_SETTING, autoRegistration);
        AWSKafkaAvroConverter converter = new AWSKafkaAvroConverter();
        converter.configure(c, false);
        return converter;
    }

    @Test
    void awsConverterCannotWriteTheRegisteredRepoSchema() {
        Struct odds = GlueAvroConverterTest.odds();
        DataException e = assertThrows(DataException.class,
                () -> aws(false).fromConnectData("odds.updates.internal.nba", odds.schema(), odds));
        assertEquals(DataException.class, e.getClass());

        byte[] own = aws(true).fromConnectData("odds.updates.internal.nba", odds.schema(), odds);
        try (GlueAvro codec = new GlueAvro(new GlueSettings(MotoServer.REGION, moto.endpoint(), "odds-update", false, "BACKWARD"))) {
            Schema registered = codec.writerSchema(own);
            assertNotEquals(RepoSchemas.get("odds-update-internal/v2").schema(), registered,
                    "it registered a schema derived from the Struct, not the repo's");
            assertEquals(2L, glue.getSchema(r -> r.schemaId(s -> s.registryName("odds-update").schemaName("odds.updates.internal.nba")))
                    .latestSchemaVersion());
        }

        // Ours writes the registered repo schema with auto-registration off.
        GlueAvroConverter ours = new GlueAvroConverter();
        ours.configure(Map.of(GlueAvroConverter.SCHEMA_CONFIG, "odds-update-internal/v2", GlueSettings.REGION_CONFIG, MotoServer.REGION,
                GlueSettings.ENDPOINT_CONFIG, moto.endpoint()), false);
        byte[] bytes = ours.fromConnectData("odds.updates.internal.nba", odds.schema(), odds);
        assertEquals("u-1", ((Struct) aws(false).toConnectData("odds.updates.internal.nba", bytes).value()).get("event_uid"),
                "and AWS's converter reads what ours writes");
    }
}
