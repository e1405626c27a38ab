package io.oddsupdate.connect.common.glue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Struct;

/**
 * Makes an Avro record of a given schema out of whatever a record carries: a parsed JSON object (Map, List, String,
 * Number, Boolean), a Connect {@link Struct} or schemaless Map, or another Avro record (e.g. the internal odds update
 * projected onto the public schema). The schema is the contract: fields it does not name are left out, a field it
 * requires must be there with the right type, and every failure names the field path.
 */
public final class AvroValues {

    private AvroValues() {
    }

    /** {@code value} as a record of {@code schema}; {@link SchemaRejectedException} naming the path if it does not fit. */
    public static GenericRecord toRecord(Object value, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("not a record schema: " + schema);
        }
        return (GenericRecord) convert(value, schema, "");
    }

    /**
     * JSON bytes as a record of {@code schema}: one streaming pass when the JSON fits, else the tree path (which
     * produces the precise error). {@code tree} supplies the parsed JSON for that path (e.g. the payload layer's).
     */
    public static GenericRecord fromJson(byte[] json, Schema schema, java.util.function.Supplier<Object> tree) {
        GenericRecord fast = JsonAvroReader.read(json, schema);
        return fast != null ? fast : toRecord(tree.get(), schema);
    }

    private static Object convert(Object value, Schema schema, String path) {
        switch (schema.getType()) {
            case UNION:
                return union(value, schema, path);
            case NULL:
                if (value == null) {
                    return null;
                }
                throw mismatch(path, "null", value);
            case RECORD:
                return record(value, schema, path);
            case STRING:
                if (value instanceof CharSequence || value instanceof GenericData.EnumSymbol) {
                    return value.toString();
                }
                throw mismatch(path, "string", value);
            case ENUM:
                if (value instanceof CharSequence || value instanceof GenericData.EnumSymbol) {
                    String symbol = value.toString();
                    if (schema.hasEnumSymbol(symbol)) {
                        return new GenericData.EnumSymbol(schema, symbol);
                    }
                }
                throw mismatch(path, "one of " + schema.getEnumSymbols(), value);
            case INT:
                if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    return ((Number) value).intValue();
                }
                if (value instanceof Long l && l == l.intValue()) {
                    return l.intValue();
                }
                throw mismatch(path, "int", value);
            case LONG:
                return longValue(value, schema, path);
            case DOUBLE:
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                throw mismatch(path, "double", value);
            case FLOAT:
                if (value instanceof Number n) {
                    return n.floatValue();
                }
                throw mismatch(path, "float", value);
            case BOOLEAN:
                if (value instanceof Boolean) {
                    return value;
                }
                throw mismatch(path, "boolean", value);
            case BYTES:
                if (value instanceof byte[] b) {
                    return ByteBuffer.wrap(b);
                }
                if (value instanceof ByteBuffer) {
                    return value;
                }
                throw mismatch(path, "bytes", value);
            case FIXED:
                byte[] bytes = value instanceof ByteBuffer bb ? bytes(bb) : value instanceof GenericData.Fixed f ? f.bytes()
                        : value instanceof byte[] b ? b : null;
                if (bytes != null && bytes.length == schema.getFixedSize()) {
                    return new GenericData.Fixed(schema, bytes);
                }
                throw mismatch(path, "fixed(" + schema.getFixedSize() + ")", value);
            case ARRAY:
                if (value instanceof Collection<?> items) {
                    GenericData.Array<Object> array = new GenericData.Array<>(items.size(), schema);
                    int i = 0;
                    for (Object item : items) {
                        array.add(convert(item, schema.getElementType(), path + "[" + i++ + "]"));
                    }
                    return array;
                }
                throw mismatch(path, "array", value);
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    Map<String, Object> out = new HashMap<>(Math.max(4, map.size() * 2));
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        String k = String.valueOf(e.getKey());
                        out.put(k, convert(e.getValue(), schema.getValueType(), path + "[" + k + "]"));
                    }
                    return out;
                }
                throw mismatch(path, "map", value);
            default:
                throw new IllegalStateException("unhandled Avro type " + schema.getType());
        }
    }

    private static Object union(Object value, Schema schema, String path) {
        List<Schema> branches = schema.getTypes();
        // The common case first: an optional field ["null", X].
        if (value == null) {
            for (Schema b : branches) {
                if (b.getType() == Schema.Type.NULL) {
                    return null;
                }
            }
            throw new SchemaRejectedException("field '" + display(path) + "' is required but missing or null");
        }
        SchemaRejectedException first = null;
        for (Schema b : branches) {
            if (b.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return convert(value, b, path);
            } catch (SchemaRejectedException e) {
                first = first == null ? e : first;
            }
        }
        throw first != null ? first : mismatch(path, schema.toString(), value);
    }

    private static Object record(Object value, Schema schema, String path) {
        GenericData.Record out = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            String fieldPath = path.isEmpty() ? f.name() : path + "." + f.name();
            Object v;
            boolean present;
            if (value instanceof Map<?, ?> map) {
                present = map.containsKey(f.name());
                v = map.get(f.name());
            } else if (value instanceof Struct struct) {
                present = struct.schema().field(f.name()) != null;
                v = present ? struct.get(f.name()) : null;
            } else if (value instanceof IndexedRecord r) {
                Schema.Field source = r.getSchema().getField(f.name());
                present = source != null;
                v = present ? r.get(source.pos()) : null;
            } else {
                throw mismatch(path, "record " + schema.getFullName(), value);
            }
            if (!present && f.hasDefaultValue()) {
                Object d = f.defaultVal();
                out.put(f.pos(), d == JsonProperties.NULL_VALUE ? null : GenericData.get().getDefaultValue(f));
                continue;
            }
            if (!present) {
                throw new SchemaRejectedException("field '" + fieldPath + "' is required but missing");
            }
            if (v == null && f.schema().getType() != Schema.Type.UNION && f.schema().getType() != Schema.Type.NULL) {
                throw new SchemaRejectedException("field '" + fieldPath + "' is required but null");
            }
            out.put(f.pos(), convert(v, f.schema(), fieldPath));
        }
        return out;
    }

    private static Object longValue(Object value, Schema schema, String path) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        LogicalType lt = schema.getLogicalType();
        boolean millis = lt instanceof LogicalTypes.TimestampMillis;
        if (millis && value instanceof Date d) {
            return d.getTime();
        }
        if (millis && value instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (millis && value instanceof CharSequence s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw mismatch(path, "timestamp (epoch millis or ISO-8601 instant)", value);
            }
        }
        throw mismatch(path, millis ? "timestamp (epoch millis or ISO-8601 instant)" : "long", value);
    }

    /** An Avro record as plain Java values (String, Long, Double, Boolean, Map, List): the schemaless view. */
    public static Map<String, Object> toMap(GenericRecord record) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Schema.Field f : record.getSchema().getFields()) {
            map.put(f.name(), plain(record.get(f.pos())));
        }
        return map;
    }

    private static Object plain(Object v) {
        if (v instanceof GenericRecord r) {
            return toMap(r);
        }
        if (v instanceof CharSequence || v instanceof GenericData.EnumSymbol) {
            return v.toString();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k.toString(), plain(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(plain(x)));
            return out;
        }
        if (v instanceof ByteBuffer bb) {
            return bytes(bb);
        }
        if (v instanceof GenericData.Fixed f) {
            return f.bytes().clone();
        }
        return v;
    }

    private static byte[] bytes(ByteBuffer bb) {
        ByteBuffer d = bb.duplicate();
        byte[] b = new byte[d.remaining()];
        d.get(b);
        return b;
    }

    private static SchemaRejectedException mismatch(String path, String expected, Object actual) {
        String got = actual == null ? "null" : actual instanceof CharSequence ? "string \"" + abbreviate(actual.toString()) + "\""
                : actual.getClass().getSimpleName() + " " + abbreviate(String.valueOf(actual));
        return new SchemaRejectedException("field '" + display(path) + "': expected " + expected + ", got " + got);
    }

    private static String display(String path) {
        return path.isEmpty() ? "(root)" : path;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
