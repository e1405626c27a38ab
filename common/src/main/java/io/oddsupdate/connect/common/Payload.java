package io.oddsupdate.connect.common;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * One record value, decoded once by a {@link PayloadCodec}, whatever form it came in: its {@link #tree()} is the
 * {@link Struct}, the schemaless {@link Map}, the JSON tree, or the Avro record of Glue-Avro bytes. Transforms read it
 * by {@link FieldPath} and write a new tree back with {@link #with}: the value always leaves in the form it came in
 * (bytes in, bytes out, a ByteBuffer stays a ByteBuffer, Glue-Avro keeps its schema version id).
 */
public final class Payload {

    private final PayloadCodec codec;
    private final String form;
    private final Schema schema;
    private final Object value;
    private final Object tree;
    private final byte[] bytes;

    Payload(PayloadCodec codec, String form, Schema schema, Object value, Object tree, byte[] bytes) {
        this.codec = codec;
        this.form = form;
        this.schema = schema;
        this.value = value;
        this.tree = tree;
        this.bytes = bytes;
    }

    /** {@code struct}, {@code map}, {@code json} or {@code glue-avro}, for messages. */
    public String form() {
        return form;
    }

    /** The value to put on the record, in the form it came in. */
    public Object value() {
        return value;
    }

    /** The value schema to put on the record (null for schemaless values). */
    public Schema schema() {
        return schema;
    }

    public boolean isBytes() {
        return bytes != null;
    }

    /** The decoded value: a Struct, a Map, a JSON tree, or an Avro record. */
    public Object tree() {
        return tree;
    }

    /** The value at the path, or null if absent. */
    public Object find(FieldPath path) {
        return path.get(tree);
    }

    /**
     * The first non-null value among the paths, which must be a scalar (a String, Number or Boolean; an Avro string or
     * enum symbol comes back as a String); null when none is present. An object or array there is a {@link PayloadException}.
     */
    public Object firstScalar(List<FieldPath> paths) {
        for (FieldPath p : paths) {
            Object v = find(p);
            if (v == null) {
                continue;
            }
            if (v instanceof CharSequence || v instanceof GenericEnumSymbol) {
                return v.toString();
            }
            if (v instanceof Number || v instanceof Boolean) {
                return v;
            }
            throw new PayloadException(p.toString(), "'" + p + "' must be a scalar but is " + describe(v));
        }
        return null;
    }

    /** This payload with another tree, encoded in this payload's form (for a Struct form, {@code tree} is the Struct). */
    public Payload with(Object tree) {
        switch (form) {
            case "struct": return new Payload(codec, form, ((Struct) tree).schema(), tree, tree, null);
            case "map": return new Payload(codec, form, schema, tree, tree, null);
            default:
                byte[] out = form.equals("json") ? codec.encodeJson(tree) : codec.encodeGlue(tree, bytes);
                return new Payload(codec, form, schema, value instanceof ByteBuffer ? ByteBuffer.wrap(out) : out, tree, out);
        }
    }

    /** A short description of a value's type for error messages. */
    public static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof Map || v instanceof Struct || v instanceof IndexedRecord) return "an object";
        if (v instanceof Collection) return "an array";
        if (v instanceof CharSequence) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Number) return "a number";
        return v.getClass().getSimpleName();
    }
}
