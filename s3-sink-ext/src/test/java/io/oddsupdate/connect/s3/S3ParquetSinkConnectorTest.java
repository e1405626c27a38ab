package io.oddsupdate.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConfigDocs;

class S3ParquetSinkConnectorTest {

    @Test
    void configReferenceIsCurrent() {
        ConfigDocs.check("docs/config/S3ParquetSinkConnector.md", ConfigDocs.markdown(S3ParquetSinkConnector.class.getName(),
                S3ParquetSinkConnector.OVERVIEW, S3ParquetSinkConnector.CONFIG_DEF));
    }

    @Test
    void aBadConfigFailsAtStartNamingTheKey() {
        assertRejected(Map.of(), "s3.bucket");
        assertRejected(Map.of("s3.bucket", "b", "partition.timestamp.field", "market"), "partition.timestamp.field");
        assertRejected(Map.of("s3.bucket", "b", "s3.sse.kms.key.id", "k"), "s3.sse.kms.key.id");
        assertRejected(Map.of("s3.bucket", "b", "league.topic.regex", "odds\\..*"), "league.topic.regex");
        assertRejected(Map.of("s3.bucket", "b", "schema.version", "v9"), "schema.version");
        assertRejected(Map.of("s3.bucket", "b", "parquet.compression", "lzo"), "parquet.compression");
        assertRejected(Map.of("s3.bucket", "b", "s3.access.key.id", "AKIA"), "s3.secret.access.key");
        assertRejected(Map.of("s3.bucket", "b", "s3.part.size.bytes", "1024"), "s3.part.size.bytes");
    }

    @Test
    void restValidationReportsCrossKeyErrorsOnTheirKey() {
        var config = new S3ParquetSinkConnector().validate(Map.of("s3.bucket", "b", "path.template", "{league}/{topic}.parquet"));
        var template = config.configValues().stream().filter(v -> v.name().equals("path.template")).findFirst().orElseThrow();
        assertTrue(template.errorMessages().get(0).contains("must contain {partition}"), template.errorMessages().toString());
        assertTrue(new S3ParquetSinkConnector().validate(Map.of("s3.bucket", "b")).configValues().stream()
                .allMatch(v -> v.errorMessages().isEmpty()));
    }

    @Test
    void writesTheLatestBronzeSchemaByDefaultAndTheSeedsExactFieldsWithV1() {
        Schema latest = new SinkSettings(Map.of("s3.bucket", "b")).schema;
        assertTrue(latest.getField("decimal_odds") != null, "v2 by default");
        Schema v1 = new SinkSettings(Map.of("s3.bucket", "b", "schema.version", "v1")).schema;
        assertEquals(List.of("event_uid", "event_ts", "ingest_ts", "league", "game_id", "team_id", "player_id", "market", "odds",
                "model_version", "source_topic", "source_partition", "source_offset"),
                v1.getFields().stream().map(Schema.Field::name).toList());
    }

    @Test
    void everyTaskGetsTheConnectorsConfig() {
        S3ParquetSinkConnector c = new S3ParquetSinkConnector();
        Map<String, String> props = new HashMap<>(Map.of("s3.bucket", "b"));
        c.start(props);
        assertEquals(List.of(props, props, props), c.taskConfigs(3));
        assertEquals(S3ParquetSinkTask.class, c.taskClass());
    }

    private static void assertRejected(Map<String, String> props, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> new S3ParquetSinkConnector().start(props));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
