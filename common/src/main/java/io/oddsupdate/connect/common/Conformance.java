package io.oddsupdate.connect.common;

import java.math.BigInteger;
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

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * The bundle's one answer to "does this value fit this Avro schema": it makes a value a datum of the schema or fails
 * with a {@link PayloadException} naming the record path. {@code Sanitize} and {@code EnforceSchema} (a value onto the
 * public or raw-event schema), {@code GlueAvroConverter} (a Struct onto the schema it writes), the bronze sink (a Struct
 * onto the bronze schema) and the odds sink (a vendor event onto {@code raw-event/v1}) all use it, so they accept and
 * refuse the same values with the same reasons.
 *
 * <p>The value may be a JSON tree as Jackson reads it (Map, List, String, Number, Boolean, null), a Connect
 * {@link Struct} or schemaless Map, or Avro data (an {@link IndexedRecord}, {@code Utf8}, an enum symbol, a ByteBuffer).
 * The policy, for every caller:
 * <ul>
 * <li>record: fields are matched by name and fields the schema does not name are dropped (fail-closed); an absent
 *     field takes its default and without one is "required but missing"; null fits only a schema that allows null;</li>
 * <li>int, long: integer values only (Byte, Short, Integer, Long, BigInteger) within the type's range; a floating
 *     value is refused even when integral (2.0), a string is never parsed;</li>
 * <li>float, double: any number, but NaN and the infinities are refused, as is a value float cannot hold;</li>
 * <li>long with logicalType timestamp-millis: also a {@link Date}, an {@link Instant} or an ISO-8601 instant string;</li>
 * <li>string: a string (or an Avro enum symbol); enum: a string that is one of its symbols, case included;</li>
 * <li>bytes, fixed: byte[] or ByteBuffer (fixed: of its size); boolean: a Boolean;</li>
 * <li>union: null if it has a null branch, else the first other branch the value fits; array: any Collection; map:
 *     any Map, keys as strings.</li>
 * </ul>
 * Static and stateless: safe from any thread.
 */
public final class Conformance {

    private Conformance() {
    }

    /** {@code value} as a record of {@code schema}, or a {@link PayloadException} naming the path that does not fit. */
    public static GenericRecord toRecord(Object value, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("not a record schema: " + schema.getFullName());
        }
        return (GenericRecord) convert(value, schema, "");
    }

    private static Object convert(Object value, Schema schema, String path) {
        if (value == null) {
            if (schema.isNullable()) {
                return null;
            }
            throw new PayloadException(path, "field '" + display(path) + "' is required but null");
        }
        switch (schema.getType()) {
            case RECORD: return record(value, schema, path);
            case UNION: return union(value, schema, path);
            case STRING:
                if (value instanceof CharSequence || value instanceof GenericEnumSymbol) {
                    return value.toString();
                }
                break;
            case ENUM:
                if ((value instanceof CharSequence || value instanceof GenericEnumSymbol) && schema.hasEnumSymbol(value.toString())) {
                    return new GenericData.EnumSymbol(schema, value.toString());
                }
                throw mismatch(path, "one of " + schema.getEnumSymbols(), value);
            case INT:
                if (isInteger(value) && fits(value, Integer.MIN_VALUE, Integer.MAX_VALUE)) {
                    return ((Number) value).intValue();
                }
                break;
            case LONG:
                return longValue(value, schema, path);
            case FLOAT:
                if (value instanceof Number n && Float.isFinite(n.floatValue()) && Double.isFinite(n.doubleValue())) {
                    return n.floatValue();
                }
                throw mismatch(path, "a finite float", value);
            case DOUBLE:
                if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                    return n.doubleValue();
                }
                throw mismatch(path, "a finite double", value);
            case BOOLEAN:
                if (value instanceof Boolean) {
                    return value;
                }
                break;
            case BYTES:
                if (value instanceof byte[] || value instanceof ByteBuffer) {
                    return value instanceof byte[] b ? ByteBuffer.wrap(b) : value;
                }
                break;
            case FIXED:
                byte[] b = bytes(value);
                if (b != null && b.length == schema.getFixedSize()) {
                    return new GenericData.Fixed(schema, b);
                }
                throw mismatch(path, "fixed(" + schema.getFixedSize() + ")", value);
            case ARRAY:
                if (value instanceof Collection<?> items) {
                    GenericData.Array<Object> array = new GenericData.Array<>(items.size(), schema);
                    for (Object item : items) {
                        array.add(convert(item, schema.getElementType(), path + "[" + array.size() + "]"));
                    }
                    return array;
                }
                break;
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    Map<String, Object> out = new HashMap<>(Math.max(4, map.size() * 2));
                    map.forEach((k, v) -> out.put(k.toString(), convert(v, schema.getValueType(), path + "[" + k + "]")));
                    return out;
                }
                break;
            default:
                break;
        }
        throw mismatch(path, schema.getType().getName(), value);
    }

    private static GenericRecord record(Object value, Schema schema, String path) {
        if (!(value instanceof Map || value instanceof Struct || value instanceof IndexedRecord)) {
            throw mismatch(path, "record " + schema.getFullName(), value);
        }
        GenericData.Record out = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            String fieldPath = path.isEmpty() ? f.name() : path + "." + f.name();
            Object v = field(value, f.name());
            if (v == Absent.FIELD) {
                if (!f.hasDefaultValue()) {
                    throw new PayloadException(fieldPath, "field '" + fieldPath + "' is required but missing");
                }
                out.put(f.pos(), GenericData.get().getDefaultValue(f));
            } else {
                out.put(f.pos(), convert(v, f.schema(), fieldPath));
            }
        }
        return out;
    }

    /** Marks a field the value does not have (as opposed to one it has, set to null). */
    private enum Absent { FIELD }

    private static Object field(Object value, String name) {
        if (value instanceof Map<?, ?> map) {
            Object v = map.get(name);
            return v != null || map.containsKey(name) ? v : Absent.FIELD;
        }
        if (value instanceof Struct struct) {
            Field f = struct.schema().field(name);
            return f == null ? Absent.FIELD : struct.get(f);
        }
        IndexedRecord r = (IndexedRecord) value;
        Schema.Field f = r.getSchema().getField(name);
        return f == null ? Absent.FIELD : r.get(f.pos());
    }

    private static Object union(Object value, Schema schema, String path) {
        Schema only = null;
        int branches = 0;
        for (Schema b : schema.getTypes()) {
            if (b.getType() != Schema.Type.NULL) {
                only = b;
                branches++;
            }
        }
        if (branches == 1) {
            return convert(value, only, path); // the common case: an optional field ["null", X]
        }
        for (Schema b : schema.getTypes()) {
            if (b.getType() != Schema.Type.NULL && kindOf(b.getType()) == kindOf(value)) {
                try {
                    return convert(value, b, path);
                } catch (PayloadException nextBranch) {
                    // e.g. a long that int cannot hold may fit a later long branch
                }
            }
        }
        throw mismatch(path, "one of " + schema.getTypes(), value);
    }

    /** A coarse kind, to try only the union branches a value could fit. */
    private static char kindOf(Object v) {
        if (v instanceof Schema.Type t) {
            switch (t) {
                case STRING: case ENUM: return 's';
                case INT: case LONG: case FLOAT: case DOUBLE: return 'n';
                case RECORD: case MAP: return 'o';
                case ARRAY: return 'a';
                case BYTES: case FIXED: return 'b';
                case BOOLEAN: return 'z';
                default: return '?';
            }
        }
        return v instanceof CharSequence || v instanceof GenericEnumSymbol ? 's' : v instanceof Number ? 'n'
                : v instanceof Map || v instanceof Struct || v instanceof IndexedRecord ? 'o' : v instanceof Collection ? 'a'
                : v instanceof byte[] || v instanceof ByteBuffer ? 'b' : v instanceof Boolean ? 'z' : '?';
    }

    private static Object longValue(Object value, Schema schema, String path) {
        if (isInteger(value) && fits(value, Long.MIN_VALUE, Long.MAX_VALUE)) {
            return ((Number) value).longValue();
        }
        if (!(schema.getLogicalType() instanceof LogicalTypes.TimestampMillis)) {
            throw mismatch(path, "long", value);
        }
        if (value instanceof Date d) {
            return d.getTime();
        }
        if (value instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (value instanceof CharSequence s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        throw mismatch(path, "timestamp (epoch millis or ISO-8601 instant)", value);
    }

    private static boolean isInteger(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger;
    }

    private static boolean fits(Object v, long min, long max) {
        if (v instanceof BigInteger b) {
            return b.bitLength() < 64 && b.longValue() >= min && b.longValue() <= max;
        }
        long l = ((Number) v).longValue();
        return l >= min && l <= max;
    }

    private static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return b;
        }
        return v instanceof GenericData.Fixed f ? f.bytes() : v instanceof byte[] b ? b : null;
    }

    /**
     * Avro data as plain Java values, the schemaless view (and what JSON is written from): a record becomes a Map in
     * field order, a string or enum symbol a String, bytes a byte[], an array a List; numbers and booleans stay.
     */
    public static Object toPlain(Object v) {
        if (v instanceof IndexedRecord r) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                map.put(f.name(), toPlain(r.get(f.pos())));
            }
            return map;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k.toString(), toPlain(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(toPlain(x)));
            return out;
        }
        if (v instanceof ByteBuffer || v instanceof GenericData.Fixed) {
            return bytes(v);
        }
        return v instanceof CharSequence || v instanceof GenericEnumSymbol ? v.toString() : v;
    }

    private static PayloadException mismatch(String path, String expected, Object actual) {
        String got = actual instanceof CharSequence ? "string \"" + abbreviate(actual.toString()) + "\""
                : actual.getClass().getSimpleName() + " " + abbreviate(String.valueOf(actual));
        return new PayloadException(path, "field '" + display(path) + "': expected " + expected + ", got " + got);
    }

    private static String display(String path) {
        return path.isEmpty() ? "(root)" : path;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
