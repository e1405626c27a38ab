package io.oddsupdate.connect.common.glue;

import java.io.Closeable;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.ConnectAvro;
import io.oddsupdate.connect.common.Version;

/**
 * Connect data to and from AWS Glue Schema Registry's Avro wire format, for connectors that produce or consume
 * {@code Struct}s (the odds source, the S3 sink's input): {@code value.converter=io.oddsupdate.connect.common.glue.GlueAvroConverter}.
 *
 * <p>Writing, a Struct (or schemaless Map) becomes a record of the repo schema named by {@code schema}, checked field by
 * field, and is encoded under the registry schema {@code schema.name} (version id looked up once). Reading, any
 * Glue-Avro record becomes a Struct of its writer schema. With no {@code glue.region}/{@code glue.endpoint} the repo's
 * schema files are the registry, so the local pipeline runs without AWS.
 *
 * <p>Why not AWS's own {@code AWSKafkaAvroConverter}: its newest release on Maven Central (1.1.9) is built against
 * serde 1.1.9 and has no registry-less mode; see the README section on schema enforcement.
 */
public class GlueAvroConverter implements Converter, Versioned, Closeable {

    public static final String SCHEMA_CONFIG = "schema";
    public static final String SCHEMA_NAME_CONFIG = "schema.name";
    public static final String TOPIC_PLACEHOLDER = "${topic}";

    public static final String OVERVIEW = "Converts Connect data to and from AWS Glue Schema Registry's Avro wire format "
            + "(header byte 3, compression byte, 16-byte schema version id, Avro body). Writing needs `schema`, the repo "
            + "schema records are checked against; reading decodes any Glue-Avro record with its writer schema. Without "
            + "`glue.region`/`glue.endpoint`, the repo's schema files are the registry (no AWS).";

    public static final ConfigDef CONFIG_DEF = GlueSettings.addTo(new ConfigDef()
            .define(SCHEMA_CONFIG, Type.STRING, "", Importance.HIGH,
                    "Repo schema written records must fit, as <name>/vN (e.g. odds-update-internal/v2, from schemas/ "
                    + "in the repo, shipped in the plugin). Needed to write; empty for a converter that only reads.")
            .define(SCHEMA_NAME_CONFIG, Type.STRING, TOPIC_PLACEHOLDER, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Registry schema name records are registered under; " + TOPIC_PLACEHOLDER + " is replaced by the "
                    + "record's topic (one registry schema per topic), a fixed name shares one schema across topics."));

    private org.apache.avro.Schema writeSchema;
    private String schemaName;
    private GlueAvro codec;
    private final ConnectAvro connect = new ConnectAvro();

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, configs, false);
        String ref = config.getString(SCHEMA_CONFIG).trim();
        this.writeSchema = ref.isEmpty() ? null : RepoSchemas.get(ref).schema();
        this.schemaName = config.getString(SCHEMA_NAME_CONFIG);
        this.codec = new GlueAvro(new GlueSettings(config));
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (writeSchema == null) {
            throw new DataException(getClass().getSimpleName() + ": '" + SCHEMA_CONFIG + "' is not set, so it cannot write (topic " + topic + ")");
        }
        try {
            GenericRecord record = Conformance.toRecord(value, writeSchema);
            return codec.encode(schemaName.replace(TOPIC_PLACEHOLDER, topic), record);
        } catch (DataException e) {
            throw new DataException(getClass().getSimpleName() + ": topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        try {
            GenericRecord record = codec.decode(value);
            Schema schema = connect.schema(record.getSchema());
            return new SchemaAndValue(schema, ConnectAvro.value(record, schema));
        } catch (DataException | IllegalArgumentException e) {
            throw new DataException(getClass().getSimpleName() + ": topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void close() {
        if (codec != null) {
            codec.close();
        }
    }
}
