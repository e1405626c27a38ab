package io.oddsupdate.connect.smt;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadTransformation;
import io.oddsupdate.connect.common.glue.RepoSchemas;

/**
 * Makes every record value a record of one registered Avro schema, written in AWS Glue Schema Registry's wire format,
 * or dead-letters it with the reason. Vendor hop: JSON in, Glue-Avro out. Edge hop: the internal update in, the public
 * record out, in one step (one decode, one encode).
 */
public class EnforceSchema<R extends ConnectRecord<R>> extends PayloadTransformation<R> {

    public static final String OVERVIEW_DOC = "Validates each record value against a registered Avro schema and writes it"
            + " in AWS Glue Schema Registry's wire format (header byte 3, compression byte, 16-byte schema version id, Avro"
            + " body), so any consumer with AWS's deserializer reads it. The value may be JSON bytes (a vendor topic through"
            + " MirrorMaker), Glue-Avro bytes of another schema (the internal update on the edge hop), a Struct or a Map; it"
            + " is decoded once and encoded once. Fields the schema does not name are dropped, so onto"
            + " <code>odds-update-public/v1</code> this is the edge hop's fail-closed allowlist: nothing outside the public"
            + " schema can be written. A value that does not fit (missing required field, wrong type, unknown enum symbol,"
            + " NaN or an infinity, malformed JSON) or a schema the registry refuses (not registered with auto-registration"
            + " off, incompatible new version) is dead-lettered to <code>dlq.topic</code> with the reason and the field path."
            + " The schema version id is looked up once per registry schema name, never per record; if the registry cannot"
            + " be reached the task retries. With no <code>glue.region</code>/<code>glue.endpoint</code> the repo's schema"
            + " files are the registry (same wire format, no AWS). Tombstones pass untouched, or, with"
            + " <code>tombstones=dead.letter</code>, are dead-lettered like any other failure.";

    public static final String SCHEMA_CONFIG = "schema";
    public static final String SCHEMA_NAME_CONFIG = "schema.name";
    public static final String TOPIC_PLACEHOLDER = "${topic}";

    public static final ConfigDef CONFIG_DEF = define(defineTombstones(new ConfigDef()
            .define(SCHEMA_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The schema records must fit, as <name>/vN of the repo's schemas/ (shipped in the plugin): raw-event/v1"
                    + " on the vendor hop, odds-update-public/v1 on the edge hop.")
            .define(SCHEMA_NAME_CONFIG, Type.STRING, TOPIC_PLACEHOLDER, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Registry schema name (naming strategy): " + TOPIC_PLACEHOLDER + " is replaced by the record's"
                    + " target topic, giving one registry schema per topic (raw.events.nba); a fixed name (raw.events)"
                    + " gives one schema per topic family.")));

    private org.apache.avro.Schema schema;
    private String schemaName;

    @Override
    protected void configure(AbstractConfig config) {
        try {
            schema = RepoSchemas.get(config.getString(SCHEMA_CONFIG).trim()).schema();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_CONFIG, config.getString(SCHEMA_CONFIG), e.getMessage());
        }
        schemaName = config.getString(SCHEMA_NAME_CONFIG).trim();
    }

    @Override
    protected R transform(R record, Payload payload) {
        GenericRecord fitted = Conformance.toRecord(payload.tree(), schema);
        // an unreachable registry throws RetriableException: Connect retries the batch, nothing is dead-lettered or lost
        byte[] bytes = payloads().glue().encode(schemaName.replace(TOPIC_PLACEHOLDER, record.topic()), fitted);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                Schema.BYTES_SCHEMA, bytes, record.timestamp());
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }
}
