package io.oddsupdate.connect.common;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Avro data as Connect data (for a converter reading Glue-Avro, or a record built against an Avro schema): a record
 * becomes a {@link Struct}, an optional field ({@code ["null", X]}) an optional field, {@code timestamp-millis} a
 * Connect {@link Timestamp}, an enum a string. Each instance builds a Connect schema once per Avro schema.
 */
public final class ConnectAvro {

    private final Cache<org.apache.avro.Schema, Schema> schemas = new SynchronizedCache<>(new LRUCache<>(16));

    /** The Connect schema of an Avro schema (built once, then cached). */
    public Schema schema(org.apache.avro.Schema avro) {
        Schema s = schemas.get(avro);
        if (s == null) {
            s = build(avro, false);
            schemas.put(avro, s);
        }
        return s;
    }

    /** An Avro record as a Struct of its schema's Connect schema. */
    public Struct struct(IndexedRecord record) {
        return (Struct) value(record, schema(record.getSchema()));
    }

    private Schema build(org.apache.avro.Schema avro, boolean optional) {
        SchemaBuilder b;
        switch (avro.getType()) {
            case UNION: {
                List<org.apache.avro.Schema> nonNull = new ArrayList<>();
                for (org.apache.avro.Schema t : avro.getTypes()) {
                    if (t.getType() != org.apache.avro.Schema.Type.NULL) {
                        nonNull.add(t);
                    }
                }
                if (nonNull.size() != 1) {
                    throw new IllegalArgumentException("Avro union " + avro + " has no Connect equivalent (only [\"null\", X] has)");
                }
                return build(nonNull.get(0), true);
            }
            case RECORD:
                b = SchemaBuilder.struct().name(avro.getFullName());
                for (org.apache.avro.Schema.Field f : avro.getFields()) {
                    b.field(f.name(), build(f.schema(), false));
                }
                break;
            case STRING:
            case ENUM:
                b = SchemaBuilder.string();
                break;
            case INT:
                b = SchemaBuilder.int32();
                break;
            case LONG:
                b = avro.getLogicalType() instanceof LogicalTypes.TimestampMillis ? Timestamp.builder() : SchemaBuilder.int64();
                break;
            case FLOAT:
                b = SchemaBuilder.float32();
                break;
            case DOUBLE:
                b = SchemaBuilder.float64();
                break;
            case BOOLEAN:
                b = SchemaBuilder.bool();
                break;
            case BYTES:
            case FIXED:
                b = SchemaBuilder.bytes();
                break;
            case ARRAY:
                b = SchemaBuilder.array(build(avro.getElementType(), false));
                break;
            case MAP:
                b = SchemaBuilder.map(Schema.STRING_SCHEMA, build(avro.getValueType(), false));
                break;
            default:
                throw new IllegalArgumentException("Avro type " + avro.getType() + " has no Connect equivalent");
        }
        if (optional) {
            b.optional();
        }
        return b.build();
    }

    /** An Avro value (from a GenericDatumReader) as the Connect value of {@code schema}. */
    public static Object value(Object v, Schema schema) {
        if (v == null) {
            return null;
        }
        switch (schema.type()) {
            case STRUCT: {
                IndexedRecord r = (IndexedRecord) v;
                Struct s = new Struct(schema);
                for (Field f : schema.fields()) {
                    s.put(f, value(r.get(r.getSchema().getField(f.name()).pos()), f.schema()));
                }
                return s;
            }
            case STRING:
                return v.toString();
            case INT64:
                return Timestamp.LOGICAL_NAME.equals(schema.name()) ? new Date((Long) v) : v;
            case BYTES:
                if (v instanceof ByteBuffer bb) {
                    byte[] b = new byte[bb.remaining()];
                    bb.duplicate().get(b);
                    return b;
                }
                return v instanceof GenericData.Fixed f ? f.bytes().clone() : v;
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                for (Object x : (Collection<?>) v) {
                    out.add(value(x, schema.valueSchema()));
                }
                return out;
            }
            case MAP: {
                Map<String, Object> out = new HashMap<>();
                ((Map<?, ?>) v).forEach((k, x) -> out.put(k.toString(), value(x, schema.valueSchema())));
                return out;
            }
            default:
                return v;
        }
    }
}
