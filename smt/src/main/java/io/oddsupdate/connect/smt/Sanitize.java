package io.oddsupdate.connect.smt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.ConnectAvro;
import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadException;
import io.oddsupdate.connect.common.PayloadTransformation;

/**
 * Keeps only the fields a public schema (or list) allows, at every nesting level: fail-closed, so a field added
 * upstream never reaches partners until the public schema names it.
 */
public class Sanitize<R extends ConnectRecord<R>> extends PayloadTransformation<R> {

    public static final String OVERVIEW_DOC = "An allowlist, fail-closed: the value keeps only the fields of"
            + " <code>public.schema</code> (an Avro record schema) or of <code>allow.fields</code>, nested records included;"
            + " everything else is dropped. With <code>public.schema</code> the value is made a record of that schema by"
            + " the bundle's one conformance engine, as EnforceSchema does: a required field (not nullable, no default) that"
            + " is missing, null or of the wrong type, a NaN or infinite number, or an enum value outside its symbols, is a"
            + " failure (the record is dead-lettered with <code>dlq.topic</code>, or fails), an absent optional field takes"
            + " its default, and numbers take the schema's type. The value keeps its form: JSON bytes in, JSON bytes out"
            + " (fields in public-schema order), a Struct becomes a Struct of the public schema, a Map stays a Map, and"
            + " Glue-Avro bytes (read with this transform's own <code>glue.*</code> settings) are re-encoded with their own"
            + " writer schema and version id. With <code>allow.fields</code> the value keeps its fields' order and types."
            + " Tombstones pass untouched, or, with <code>tombstones=dead.letter</code>, are dead-lettered like any other"
            + " failure. On the edge hop, EnforceSchema onto the public schema does this and the encoding in one step.";

    public static final String PUBLIC_SCHEMA_CONFIG = "public.schema";
    public static final String ALLOW_FIELDS_CONFIG = "allow.fields";
    static final String CLASSPATH_PREFIX = "classpath:";
    static final String FILE_PREFIX = "file:";

    public static final ConfigDef CONFIG_DEF = define(defineTombstones(new ConfigDef()
            .define(PUBLIC_SCHEMA_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH,
                    "The Avro record schema of the public value: inline JSON (starting with '{'), a class-path resource"
                            + " ('classpath:schemas/odds-update-public/v1.avsc' is shipped in the plugin), or a file path"
                            + " (optionally 'file:'-prefixed). Set this or allow.fields, not both.")
            .define(ALLOW_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.validList(true), ConfigDef.Importance.HIGH,
                    "Dotted paths of the fields to keep when there is no public.schema: 'payload' keeps the whole payload"
                            + " object, 'payload.team_id' only that field of it. Nothing is required, any type passes, but a"
                            + " path stepping into a value must find an object there.")));

    /** A leaf of {@link #allowed}: the whole value under this name is kept. */
    private static final Object ALL = new Object();

    private org.apache.avro.Schema publicSchema;
    /** allow.fields as a tree of names: each name maps to {@link #ALL} or to the tree of the names kept below it. */
    private final Map<String, Object> allowed = new LinkedHashMap<>();
    private final ConnectAvro connect = new ConnectAvro();
    private final Cache<Schema, Schema> allowedSchemas = new SynchronizedCache<>(new LRUCache<>(16));

    @Override
    protected void configure(AbstractConfig config) {
        String schema = config.getString(PUBLIC_SCHEMA_CONFIG);
        List<String> allow = config.getList(ALLOW_FIELDS_CONFIG);
        boolean hasSchema = schema != null && !schema.isBlank();
        if (hasSchema == !allow.isEmpty()) {
            throw new ConfigException("Sanitize needs exactly one of " + PUBLIC_SCHEMA_CONFIG + " and " + ALLOW_FIELDS_CONFIG);
        }
        publicSchema = hasSchema ? publicSchema(schema.strip()) : null;
        allowed.clear();
        for (FieldPath p : FieldPath.parseAll(ALLOW_FIELDS_CONFIG, allow)) {
            Map<String, Object> node = allowed;
            for (int i = 0; i < p.depth() && node != null; i++) {
                if (i == p.depth() - 1) {
                    node.put(p.name(i), ALL); // a shorter path keeps the whole subtree, whatever deeper paths say
                } else {
                    Object next = node.computeIfAbsent(p.name(i), n -> new LinkedHashMap<String, Object>());
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = next == ALL ? null : (Map<String, Object>) next;
                    node = m;
                }
            }
        }
    }

    /** The Avro record schema given inline, as a class-path resource, or as a file. */
    static org.apache.avro.Schema publicSchema(String value) {
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
            org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(json);
            if (schema.getType() != org.apache.avro.Schema.Type.RECORD) {
                throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "not an Avro record schema but " + schema.getType());
            }
            return schema;
        } catch (SchemaParseException e) {
            throw new ConfigException(PUBLIC_SCHEMA_CONFIG, value, "not a usable Avro record schema: " + e.getMessage());
        }
    }

    @Override
    protected R transform(R record, Payload payload) {
        Object tree = payload.tree();
        Object kept;
        if (publicSchema != null) {
            GenericRecord fitted = Conformance.toRecord(tree, publicSchema);
            kept = tree instanceof Struct ? connect.struct(fitted) : payload.form().equals("glue-avro") ? fitted : Conformance.toPlain(fitted);
        } else if (tree instanceof Struct struct) {
            Schema schema = allowedSchemas.get(struct.schema());
            if (schema == null) {
                schema = allowedSchema(struct.schema(), allowed, "");
                allowedSchemas.put(struct.schema(), schema);
            }
            kept = allowedStruct(struct, schema);
        } else {
            kept = allowedMap(Conformance.toPlain(tree), allowed, "");
        }
        Payload out = payload.with(kept);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                out.schema(), out.value(), record.timestamp());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> allowedMap(Object value, Map<String, Object> allow, String path) {
        if (!(value instanceof Map<?, ?> in)) {
            throw notAnObject(path, Payload.describe(value));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        in.forEach((k, v) -> {
            Object below = allow.get(k.toString());
            if (below != null) {
                out.put(k.toString(), below == ALL || v == null ? v : allowedMap(v, (Map<String, Object>) below, child(path, k.toString())));
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Schema allowedSchema(Schema in, Map<String, Object> allow, String path) {
        SchemaBuilder b = SchemaBuilder.struct().name(in.name()).version(in.version()).doc(in.doc());
        if (in.isOptional()) {
            b.optional();
        }
        for (Field f : in.fields()) {
            Object below = allow.get(f.name());
            if (below == ALL) {
                b.field(f.name(), f.schema());
            } else if (below != null) {
                if (f.schema().type() != Schema.Type.STRUCT) {
                    throw notAnObject(child(path, f.name()), f.schema().type().getName());
                }
                b.field(f.name(), allowedSchema(f.schema(), (Map<String, Object>) below, child(path, f.name())));
            }
        }
        return b.build();
    }

    private static Struct allowedStruct(Struct in, Schema schema) {
        Struct out = new Struct(schema);
        for (Field f : schema.fields()) {
            Object v = in.get(f.name());
            out.put(f, v instanceof Struct nested && nested.schema() != f.schema() ? allowedStruct(nested, f.schema()) : v);
        }
        return out;
    }

    private static PayloadException notAnObject(String path, String found) {
        return new PayloadException(path.isEmpty() ? null : path, path.isEmpty() ? "the value must be an object but is " + found
                : "field '" + path + "': expected an object or null, got " + found);
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }
}
