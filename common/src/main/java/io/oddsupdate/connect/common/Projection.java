package io.oddsupdate.connect.common;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * A fail-closed allowlist of fields: applied to a value it keeps only the fields it names, at every nesting level, and
 * checks each kept value against its {@link Rule}. A required field that is missing, null or of the wrong type is a
 * {@link PayloadException}. Built from an Avro record schema ({@link #fromAvro}) or from dotted paths ({@link #allowing}).
 *
 * <p>Works on schemaless trees ({@link #apply(Object)}), on {@link Struct}s ({@link #apply(Struct)}, output schemas cached
 * per input schema) and, through {@link JsonFormat}, on JSON bytes in one streaming pass.
 */
public final class Projection {

    /** The shape a kept value must have. */
    public enum Kind { ANY, NULL, STRING, ENUM, BYTES, INT, LONG, FLOAT, DOUBLE, BOOLEAN, RECORD, ARRAY, MAP, UNION }

    /** What a kept value must look like: its kind, whether null is allowed, and what is inside it. */
    public static final class Rule {
        public final Kind kind;
        public final boolean nullable;
        /** ENUM: the allowed symbols. */
        public final Set<String> symbols;
        /** RECORD: the fields kept inside. */
        public final Projection record;
        /** ARRAY: the rule for each element; MAP: the rule for each value. */
        public final Rule element;
        /** UNION: the non-null branches, tried in order. */
        public final List<Rule> branches;

        Rule(Kind kind, boolean nullable, Set<String> symbols, Projection record, Rule element, List<Rule> branches) {
            this.kind = kind;
            this.nullable = nullable;
            this.symbols = symbols;
            this.record = record;
            this.element = element;
            this.branches = branches;
        }

        static Rule of(Kind kind) {
            return new Rule(kind, false, null, null, null, null);
        }

        Rule nullable() {
            return new Rule(kind, true, symbols, record, element, branches);
        }

        @Override
        public String toString() {
            String s = kind == Kind.RECORD ? "object" : kind.name().toLowerCase(java.util.Locale.ROOT);
            return nullable ? s + " or null" : s;
        }
    }

    /** A kept field: its name, rule, and whether it must be present. */
    public static final class FieldRule {
        public final String name;
        public final Rule rule;
        public final boolean required;
        /** Position among the required fields of its record (for one-pass presence checks), or -1. */
        public final int requiredIndex;

        FieldRule(String name, Rule rule, boolean required, int requiredIndex) {
            this.name = name;
            this.rule = rule;
            this.required = required;
            this.requiredIndex = requiredIndex;
        }
    }

    private final String name;
    private final Map<String, FieldRule> fields;
    private final FieldRule[] fieldArray;
    private final byte[][] fieldNames;
    private final List<FieldRule> required;
    private final Cache<Schema, Schema> schemaCache = new SynchronizedCache<>(new LRUCache<>(16));

    private Projection(String name, List<FieldRule> fieldRules) {
        this.name = name;
        Map<String, FieldRule> byName = new LinkedHashMap<>();
        List<FieldRule> req = new ArrayList<>();
        for (FieldRule f : fieldRules) {
            FieldRule indexed = f.required ? new FieldRule(f.name, f.rule, true, req.size()) : f;
            byName.put(f.name, indexed);
            if (f.required) {
                req.add(indexed);
            }
        }
        this.fields = Collections.unmodifiableMap(byName);
        this.required = List.copyOf(req);
        this.fieldArray = byName.values().toArray(new FieldRule[0]);
        this.fieldNames = new byte[fieldArray.length][];
        for (int i = 0; i < fieldArray.length; i++) {
            fieldNames[i] = fieldArray[i].name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * The allowlist an Avro record schema defines: its fields, recursively. A field is required when its type is not
     * nullable and it has no default.
     */
    public static Projection fromAvro(org.apache.avro.Schema record) {
        if (record.getType() != org.apache.avro.Schema.Type.RECORD) {
            throw new IllegalArgumentException("the public schema must be an Avro record, not " + record.getType());
        }
        return fromAvroRecord(record, new IdentityHashMap<>());
    }

    private static Projection fromAvroRecord(org.apache.avro.Schema record, Map<org.apache.avro.Schema, Boolean> visiting) {
        if (visiting.put(record, Boolean.TRUE) != null) {
            throw new IllegalArgumentException("recursive record " + record.getFullName() + " is not supported");
        }
        List<FieldRule> rules = new ArrayList<>();
        for (org.apache.avro.Schema.Field f : record.getFields()) {
            Rule rule = fromAvroType(f.schema(), visiting);
            rules.add(new FieldRule(f.name(), rule, !rule.nullable && !f.hasDefaultValue(), -1));
        }
        visiting.remove(record);
        return new Projection(record.getFullName(), rules);
    }

    private static Rule fromAvroType(org.apache.avro.Schema s, Map<org.apache.avro.Schema, Boolean> visiting) {
        switch (s.getType()) {
            case NULL: return new Rule(Kind.NULL, true, null, null, null, null);
            case STRING: return Rule.of(Kind.STRING);
            case BYTES:
            case FIXED: return Rule.of(Kind.BYTES);
            case INT: return Rule.of(Kind.INT);
            case LONG: return Rule.of(Kind.LONG);
            case FLOAT: return Rule.of(Kind.FLOAT);
            case DOUBLE: return Rule.of(Kind.DOUBLE);
            case BOOLEAN: return Rule.of(Kind.BOOLEAN);
            case ENUM: return new Rule(Kind.ENUM, false, Set.copyOf(s.getEnumSymbols()), null, null, null);
            case RECORD: return new Rule(Kind.RECORD, false, null, fromAvroRecord(s, visiting), null, null);
            case ARRAY: return new Rule(Kind.ARRAY, false, null, null, fromAvroType(s.getElementType(), visiting), null);
            case MAP: return new Rule(Kind.MAP, false, null, null, fromAvroType(s.getValueType(), visiting), null);
            case UNION: {
                boolean nullable = false;
                List<Rule> branches = new ArrayList<>();
                for (org.apache.avro.Schema b : s.getTypes()) {
                    if (b.getType() == org.apache.avro.Schema.Type.NULL) {
                        nullable = true;
                    } else {
                        branches.add(fromAvroType(b, visiting));
                    }
                }
                Rule r = branches.size() == 1 ? branches.get(0)
                        : new Rule(Kind.UNION, false, null, null, null, List.copyOf(branches));
                return nullable ? r.nullable() : r;
            }
            default: throw new IllegalArgumentException("unsupported Avro type " + s.getType());
        }
    }

    /**
     * The allowlist of the given dotted paths: {@code payload} keeps the whole {@code payload} value, {@code payload.team_id}
     * only that field of it. Nothing is required and any type is accepted, but a path that steps into a value must find an
     * object there (or nothing).
     */
    public static Projection allowing(Collection<FieldPath> paths) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (FieldPath p : paths) {
            Map<String, Object> node = tree;
            for (int i = 0; i < p.depth(); i++) {
                String n = p.name(i);
                if (i == p.depth() - 1) {
                    node.put(n, Kind.ANY); // a shorter path keeps the whole subtree, whatever deeper paths say
                    break;
                }
                Object next = node.get(n);
                if (next == Kind.ANY) {
                    break;
                }
                if (next == null) {
                    next = new LinkedHashMap<String, Object>();
                    node.put(n, next);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) next;
                node = m;
            }
        }
        return fromTree(tree);
    }

    private static Projection fromTree(Map<String, Object> tree) {
        List<FieldRule> rules = new ArrayList<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            @SuppressWarnings("unchecked")
            Rule rule = e.getValue() == Kind.ANY ? Rule.of(Kind.ANY).nullable()
                    : new Rule(Kind.RECORD, true, null, fromTree((Map<String, Object>) e.getValue()), null, null);
            rules.add(new FieldRule(e.getKey(), rule, false, -1));
        }
        return new Projection(null, rules);
    }

    /** The kept field of this name, or null if the field is dropped. */
    public FieldRule field(String name) {
        return fields.get(name);
    }

    /** As {@link #field(String)}, for a name given as UTF-8 bytes (an unescaped JSON member name). */
    public FieldRule field(byte[] buf, int off, int len) {
        for (int i = 0; i < fieldNames.length; i++) {
            byte[] n = fieldNames[i];
            if (n.length == len && len > 0 && n[0] == buf[off] && java.util.Arrays.equals(n, 0, len, buf, off, off + len)) {
                return fieldArray[i];
            }
        }
        return null;
    }

    /** The position of a kept field among {@link #fields()}. */
    public int index(FieldRule f) {
        for (int i = 0; i < fieldArray.length; i++) {
            if (fieldArray[i] == f) {
                return i;
            }
        }
        throw new IllegalArgumentException(f.name);
    }

    public Collection<FieldRule> fields() {
        return fields.values();
    }

    /** The required fields; {@link FieldRule#requiredIndex} indexes this list. */
    public List<FieldRule> required() {
        return required;
    }

    /** The record's full name when built from an Avro schema, else null. */
    public String name() {
        return name;
    }

    /** Failure for a required field the value does not have. */
    public static PayloadException missing(String path) {
        return new PayloadException(path, "required field '" + path + "' is missing");
    }

    /** Failure for a value that breaks its rule. */
    public static PayloadException wrongType(String path, Rule rule, String found) {
        return new PayloadException(path, "field '" + path + "' must be " + rule + " but is " + found);
    }

    static String child(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ---- schemaless trees (Map payloads and decoded bytes) ----

    /** Applies this allowlist to a schemaless value, which must be a {@code Map}. */
    public Map<String, Object> apply(Object value) {
        if (!(value instanceof Map)) {
            throw new PayloadException(null, "the value must be an object but is " + describe(value));
        }
        return applyMap((Map<?, ?>) value, "");
    }

    private Map<String, Object> applyMap(Map<?, ?> in, String prefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldRule f : fields.values()) {
            String path = child(prefix, f.name);
            if (!in.containsKey(f.name)) {
                if (f.required) {
                    throw missing(path);
                }
                continue;
            }
            out.put(f.name, applyRule(in.get(f.name), f.rule, path));
        }
        return out;
    }

    private static Object applyRule(Object v, Rule rule, String path) {
        if (v == null) {
            if (!rule.nullable) {
                throw wrongType(path, rule, "null");
            }
            return null;
        }
        switch (rule.kind) {
            case ANY: return v;
            case STRING: if (v instanceof String) return v; break;
            case ENUM: if (v instanceof String && rule.symbols.contains(v)) return v; break;
            case BYTES: if (v instanceof byte[] || v instanceof ByteBuffer || v instanceof String) return v; break;
            case INT: if (isIntegral(v) && fits(v, Integer.MIN_VALUE, Integer.MAX_VALUE)) return v; break;
            case LONG: if (isIntegral(v) && fits(v, Long.MIN_VALUE, Long.MAX_VALUE)) return v; break;
            case FLOAT:
            case DOUBLE: if (v instanceof Number) return v; break;
            case BOOLEAN: if (v instanceof Boolean) return v; break;
            case RECORD: if (v instanceof Map) return rule.record.applyMap((Map<?, ?>) v, path); break;
            case ARRAY:
                if (v instanceof List) {
                    List<?> in = (List<?>) v;
                    List<Object> out = new ArrayList<>(in.size());
                    for (int i = 0; i < in.size(); i++) {
                        out.add(applyRule(in.get(i), rule.element, path + "[" + i + "]"));
                    }
                    return out;
                }
                break;
            case MAP:
                if (v instanceof Map) {
                    Map<Object, Object> out = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                        out.put(e.getKey(), applyRule(e.getValue(), rule.element, child(path, String.valueOf(e.getKey()))));
                    }
                    return out;
                }
                break;
            case UNION:
                for (Rule b : rule.branches) {
                    try {
                        return applyRule(v, b, path);
                    } catch (PayloadException tryNext) {
                        // the next branch may fit
                    }
                }
                break;
            default:
                break;
        }
        throw wrongType(path, rule, describe(v));
    }

    private static boolean isIntegral(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger;
    }

    private static boolean fits(Object v, long min, long max) {
        if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            return b.compareTo(BigInteger.valueOf(min)) >= 0 && b.compareTo(BigInteger.valueOf(max)) <= 0;
        }
        long l = ((Number) v).longValue();
        return l >= min && l <= max;
    }

    /** A short description of a value's type for error messages. */
    public static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof Map || v instanceof Struct) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Number) return "a number";
        if (v instanceof byte[] || v instanceof ByteBuffer) return "bytes";
        return v.getClass().getSimpleName();
    }

    // ---- Structs ----

    /** Applies this allowlist to a Struct; the output schema is derived once per input schema. */
    public Struct apply(Struct value) {
        Schema in = value.schema();
        Schema out = schemaCache.get(in);
        if (out == null) {
            out = projectSchema(in, "", name);
            schemaCache.put(in, out);
        }
        return projectStruct(value, out, "");
    }

    private Schema projectSchema(Schema in, String prefix, String schemaName) {
        SchemaBuilder b = SchemaBuilder.struct().name(schemaName != null ? schemaName : in.name()).version(in.version()).doc(in.doc());
        if (in.isOptional()) {
            b.optional();
        }
        for (FieldRule f : fields.values()) {
            String path = child(prefix, f.name);
            Field field = in.field(f.name);
            if (field == null) {
                if (f.required) {
                    throw new PayloadException(path, "required field '" + path + "' is not in the record's schema " + in.name());
                }
                continue;
            }
            b.field(f.name, projectFieldSchema(field.schema(), f.rule, path));
        }
        return b.build();
    }

    private static Schema projectFieldSchema(Schema in, Rule rule, String path) {
        // An optional Connect field under a non-nullable rule is allowed: a null there fails per record.
        switch (rule.kind) {
            case ANY: return in;
            case RECORD:
                if (in.type() == Schema.Type.STRUCT) return rule.record.projectSchema(in, path, null);
                break;
            case ARRAY:
                if (in.type() == Schema.Type.ARRAY) {
                    return withOptional(SchemaBuilder.array(projectFieldSchema(in.valueSchema(), rule.element, path + "[]")), in);
                }
                break;
            case MAP:
                if (in.type() == Schema.Type.MAP && in.keySchema().type() == Schema.Type.STRING) {
                    return withOptional(SchemaBuilder.map(in.keySchema(), projectFieldSchema(in.valueSchema(), rule.element, path)), in);
                }
                break;
            case UNION:
                for (Rule branch : rule.branches) {
                    try {
                        return projectFieldSchema(in, branch, path);
                    } catch (PayloadException tryNext) {
                        // the next branch may fit
                    }
                }
                break;
            default:
                if (scalarFits(in.type(), rule.kind)) return in;
        }
        throw new PayloadException(path, "field '" + path + "' must be " + rule + " but the record's schema has " + in.type());
    }

    private static Schema withOptional(SchemaBuilder b, Schema like) {
        if (like.isOptional()) {
            b.optional();
        }
        return b.name(like.name()).version(like.version()).doc(like.doc()).build();
    }

    private static boolean fitsSchema(Schema s, Rule rule) {
        switch (rule.kind) {
            case ANY: return true;
            case RECORD: return s.type() == Schema.Type.STRUCT;
            case ARRAY: return s.type() == Schema.Type.ARRAY;
            case MAP: return s.type() == Schema.Type.MAP;
            default: return scalarFits(s.type(), rule.kind);
        }
    }

    private static boolean scalarFits(Schema.Type t, Kind k) {
        switch (k) {
            case STRING:
            case ENUM: return t == Schema.Type.STRING;
            case BYTES: return t == Schema.Type.BYTES;
            case INT: return t == Schema.Type.INT8 || t == Schema.Type.INT16 || t == Schema.Type.INT32;
            case LONG: return t == Schema.Type.INT8 || t == Schema.Type.INT16 || t == Schema.Type.INT32 || t == Schema.Type.INT64;
            case FLOAT:
            case DOUBLE: return t == Schema.Type.FLOAT32 || t == Schema.Type.FLOAT64 || scalarFits(t, Kind.LONG);
            case BOOLEAN: return t == Schema.Type.BOOLEAN;
            default: return false;
        }
    }

    private Struct projectStruct(Struct in, Schema out, String prefix) {
        Struct result = new Struct(out);
        for (Field f : out.fields()) {
            FieldRule rule = fields.get(f.name());
            String path = child(prefix, f.name());
            result.put(f, projectValue(in.get(f.name()), f.schema(), rule.rule, path));
        }
        return result;
    }

    private static Object projectValue(Object v, Schema out, Rule rule, String path) {
        if (v == null) {
            if (!rule.nullable) {
                throw wrongType(path, rule, "null");
            }
            return null;
        }
        switch (rule.kind) {
            case RECORD: return rule.record.projectStruct((Struct) v, out, path);
            case ARRAY: {
                List<?> in = (List<?>) v;
                List<Object> list = new ArrayList<>(in.size());
                for (int i = 0; i < in.size(); i++) {
                    list.add(projectValue(in.get(i), out.valueSchema(), rule.element, path + "[" + i + "]"));
                }
                return list;
            }
            case MAP: {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    map.put(e.getKey(), projectValue(e.getValue(), out.valueSchema(), rule.element, child(path, String.valueOf(e.getKey()))));
                }
                return map;
            }
            case ENUM:
                if (!rule.symbols.contains(v)) {
                    throw wrongType(path, rule, "'" + v + "', not one of " + rule.symbols);
                }
                return v;
            case UNION:
                for (Rule b : rule.branches) {
                    if (fitsSchema(out, b)) {
                        return projectValue(v, out, b, path);
                    }
                }
                throw wrongType(path, rule, describe(v));
            default: return v;
        }
    }
}
