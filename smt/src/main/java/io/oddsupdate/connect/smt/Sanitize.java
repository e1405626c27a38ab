package io.oddsupdate.connect.smt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;

import io.oddsupdate.connect.common.DeadLetterRoute;
import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadException;
import io.oddsupdate.connect.common.PayloadTransformation;
import io.oddsupdate.connect.common.Projection;

/**
 * Keeps only the fields a public schema (or list) allows, at every nesting level: fail-closed, so a field added
 * upstream never reaches partners until the public schema names it.
 */
public class Sanitize<R extends ConnectRecord<R>> extends PayloadTransformation<R> {

    public static final String OVERVIEW_DOC = "An allowlist, fail-closed: the value keeps only the fields of"
            + " <code>public.schema</code> (an Avro record schema) or of <code>allow.fields</code>, nested records included;"
            + " everything else is dropped. With <code>public.schema</code>, a required field (not nullable, no default) that"
            + " is missing, null or of the wrong type, or an enum value outside its symbols, is a failure: the record is"
            + " dead-lettered (<code>dlq.topic</code>) or fails. The value keeps its form: JSON bytes in, JSON bytes out (one"
            + " streaming pass, input field order kept), a Struct gets the projected schema (derived once per input schema,"
            + " fields in public-schema order), a Map stays a Map. Tombstones pass untouched, or, with"
            + " <code>tombstones=dead.letter</code>, are dead-lettered like any other failure.";

    public static final String PUBLIC_SCHEMA_CONFIG = "public.schema";
    public static final String ALLOW_FIELDS_CONFIG = "allow.fields";
    public static final String TOMBSTONES_CONFIG = "tombstones";
    public static final String TOMBSTONES_PASS = "pass";
    public static final String TOMBSTONES_DEAD_LETTER = "dead.letter";
    static final String CLASSPATH_PREFIX = "classpath:";
    static final String FILE_PREFIX = "file:";

    public static final ConfigDef CONFIG_DEF = DeadLetterRoute.define(new ConfigDef()
            .define(PUBLIC_SCHEMA_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH,
                    "The Avro record schema of the public value: inline JSON (starting with '{'), a class-path resource"
                            + " ('classpath:schemas/odds-update-public/v1.avsc' is shipped in the plugin), or a file path"
                            + " (optionally 'file:'-prefixed). Set this or allow.fields, not both.")
            .define(ALLOW_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.validList(true), ConfigDef.Importance.HIGH,
                    "Dotted paths of the fields to keep when there is no public.schema: 'payload' keeps the whole payload"
                            + " object, 'payload.team_id' only that field of it. Nothing is required, any type passes, but a"
                            + " path stepping into a value must find an object there.")
            .define(TOMBSTONES_CONFIG, ConfigDef.Type.STRING, TOMBSTONES_PASS,
                    ConfigDef.ValidString.in(TOMBSTONES_PASS, TOMBSTONES_DEAD_LETTER), ConfigDef.Importance.MEDIUM,
                    "What becomes of a record with a null value. 'pass': it passes untouched (a delete marker of a compacted"
                            + " topic carries no field, so nothing leaks). 'dead.letter': dead-lettered (dlq.topic) or a"
                            + " failure, with the reason 'tombstone: ...', for a topic whose readers expect every value to be"
                            + " a public record (a null has no public meaning, and partners' deserializers and schema do not"
                            + " allow it)."));

    private Projection projection;
    private boolean deadLetterTombstones;

    @Override
    public void configure(Map<String, ?> props) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, props);
        String schema = config.getString(PUBLIC_SCHEMA_CONFIG);
        List<String> allow = config.getList(ALLOW_FIELDS_CONFIG);
        boolean hasSchema = schema != null && !schema.isBlank();
        if (hasSchema == !allow.isEmpty()) {
            throw new ConfigException("Sanitize needs exactly one of " + PUBLIC_SCHEMA_CONFIG + " and " + ALLOW_FIELDS_CONFIG);
        }
        projection = hasSchema ? publicSchema(schema.strip())
                : Projection.allowing(FieldPath.parseAll(ALLOW_FIELDS_CONFIG, allow));
        deadLetters = DeadLetterRoute.from(config, getClass());
        deadLetterTombstones = TOMBSTONES_DEAD_LETTER.equals(config.getString(TOMBSTONES_CONFIG));
    }

    /** The allowlist of the Avro record schema given inline, as a class-path resource, or as a file. */
    static Projection publicSchema(String value) {
        String json;
        if (value.startsWith("{")) {
            json = value;
        } else if (value.startsWith(CLASSPATH_PREFIX)) {
            String resource = value.substring(CLASSPATH_PREFIX.length()).replaceFirst("^/", "");
            try (InputStream in = Sanitize.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "no such resource on the plugin's class path");
                }
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "cannot read: " + e.getMessage());
            }
        } else {
            String file = value.startsWith(FILE_PREFIX) ? value.substring(FILE_PREFIX.length()) : value;
            try {
                json = Files.readString(Paths.get(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "cannot read the file: " + e);
            }
        }
        try {
            return Projection.fromAvro(new org.apache.avro.Schema.Parser().parse(json));
        } catch (SchemaParseException | IllegalArgumentException e) {
            throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "not a usable Avro record schema: " + e.getMessage());
        }
    }

    @Override
    protected R tombstone(R record) {
        return deadLetterTombstones
                ? deadLetters.fail(record, new PayloadException(null, "tombstone: a null value is not a public record ("
                        + TOMBSTONES_CONFIG + "=" + TOMBSTONES_DEAD_LETTER + ")"))
                : record;
    }

    @Override
    protected R transform(R record, Payload payload) {
        Payload out = payload.project(projection);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                out.schema(), out.value(), record.timestamp());
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }
}
