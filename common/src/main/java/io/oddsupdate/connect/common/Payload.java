package io.oddsupdate.connect.common;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * One view of a record value, whatever form it came in: a {@link Struct} with its schema, a schemaless {@link Map}, or
 * {@code byte[]}/{@link ByteBuffer} in a {@link ByteFormat} (JSON, or formats registered with {@link #registerFormat}).
 * Transforms read it by {@link FieldPath}, {@link #project} it, and put {@link #value()}/{@link #schema()} back on the
 * record: the value always leaves in the form it came in (bytes in, bytes out, a ByteBuffer stays a ByteBuffer).
 *
 * <p>Parsed once per record: {@link #of} returns the same Payload for the same value object on the same thread, so the
 * transforms of one chain share it, and a bytes Payload reads every path any configured transform registered
 * ({@link #registerPaths}) in its first pass. (The chain runs on the task's thread and passes the value object along
 * unchanged; a value equal but not identical is simply parsed again.)
 */
public abstract class Payload {

    private static final List<ByteFormat> FORMATS = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<Payload> LAST = new ThreadLocal<>();
    private static volatile PathSet interests = new PathSet(Set.of());

    /**
     * Adds a byte format tried before JSON, e.g. Glue-Avro. Idempotent per {@link ByteFormat#name()}: a later
     * registration under the same name replaces the earlier one (a reconfigured transform).
     */
    public static synchronized void registerFormat(ByteFormat format) {
        FORMATS.removeIf(f -> f.name().equals(format.name()));
        FORMATS.add(format);
    }

    /** Paths a configured transform will read, so that the first pass over a bytes value reads them all. */
    public static synchronized void registerPaths(Collection<FieldPath> paths) {
        if (!interests.paths().containsAll(paths)) {
            Set<FieldPath> all = new LinkedHashSet<>(interests.paths());
            all.addAll(paths);
            interests = new PathSet(all);
        }
    }

    /** The payload of a record's value; null for a tombstone (null value). */
    public static Payload of(ConnectRecord<?> record) {
        return of(record.valueSchema(), record.value());
    }

    /** The payload of a value and its schema (null when schemaless); null for a null value. */
    public static Payload of(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        Payload last = LAST.get();
        if (last != null && last.value() == value && last.schema() == schema) {
            return last;
        }
        Payload p;
        if (value instanceof Struct) {
            p = new StructPayload(schema, (Struct) value);
        } else if (value instanceof Map) {
            p = new MapPayload(schema, (Map<?, ?>) value);
        } else if (value instanceof byte[] || value instanceof ByteBuffer) {
            byte[] bytes = value instanceof byte[] ? (byte[]) value : toArray((ByteBuffer) value);
            p = new BytesPayload(schema, value, bytes, formatOf(bytes));
        } else {
            throw new PayloadException(null, "unsupported value type " + value.getClass().getName()
                    + " (expected a Struct, a Map, byte[] or ByteBuffer)");
        }
        return remember(p);
    }

    private static Payload remember(Payload p) {
        LAST.set(p);
        return p;
    }

    private static ByteFormat formatOf(byte[] bytes) {
        for (ByteFormat f : FORMATS) {
            if (f.detect(bytes)) {
                return f;
            }
        }
        return JsonFormat.INSTANCE;
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    /** {@code struct}, {@code map}, or the byte format's name (e.g. {@code json}), for messages. */
    public abstract String form();

    /** The value to put on the record, in the form it came in. */
    public abstract Object value();

    /** The value schema to put on the record (null for schemaless values). */
    public abstract Schema schema();

    /** Whether the value is bytes (for choosing a key form a byte converter accepts). */
    public boolean isBytes() {
        return false;
    }

    /** The value at the path, or null if absent; objects/arrays come back as Struct/Map/List or a {@link JsonFormat.Composite}. */
    public abstract Object find(FieldPath path);

    /**
     * The first non-null value among the paths, which must be a scalar (String, Number or Boolean); null when none is
     * present. A path that holds an object or array is a {@link PayloadException}.
     */
    public Object firstScalar(List<FieldPath> paths) {
        for (FieldPath p : paths) {
            Object v = find(p);
            if (v == null) {
                continue;
            }
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                return v;
            }
            throw new PayloadException(p.toString(), "'" + p + "' must be a scalar but is "
                    + (v instanceof JsonFormat.Composite ? (v == JsonFormat.Composite.OBJECT ? "an object" : "an array") : Projection.describe(v)));
        }
        return null;
    }

    /** This value keeping only what the projection allows, in the same form. */
    public abstract Payload project(Projection projection);

    /** The whole value as a Struct or a schemaless tree (a bytes value is decoded by its format, once). */
    public abstract Object decoded();

    /** The byte format of a bytes value, else null. */
    public ByteFormat format() {
        return null;
    }

    /** The raw bytes of a bytes value, else null. Do not modify. */
    public byte[] bytes() {
        return null;
    }

    private static final class StructPayload extends Payload {
        private final Schema schema;
        private final Struct struct;

        StructPayload(Schema schema, Struct struct) {
            this.schema = schema;
            this.struct = struct;
        }

        @Override public String form() { return "struct"; }
        @Override public Object value() { return struct; }
        @Override public Schema schema() { return schema; }
        @Override public Object find(FieldPath path) { return path.get(struct); }
        @Override public Object decoded() { return struct; }

        @Override
        public Payload project(Projection projection) {
            Struct out = projection.apply(struct);
            return remember(new StructPayload(out.schema(), out));
        }
    }

    private static final class MapPayload extends Payload {
        private final Schema schema;
        private final Map<?, ?> map;

        MapPayload(Schema schema, Map<?, ?> map) {
            this.schema = schema;
            this.map = map;
        }

        @Override public String form() { return "map"; }
        @Override public Object value() { return map; }
        @Override public Schema schema() { return schema; }
        @Override public Object find(FieldPath path) { return path.get(map); }
        @Override public Object decoded() { return map; }

        @Override
        public Payload project(Projection projection) {
            return remember(new MapPayload(schema, projection.apply(map)));
        }
    }

    private static final class BytesPayload extends Payload {
        private final Schema schema;
        private final Object value;
        private final byte[] bytes;
        private final ByteFormat format;
        private Map<FieldPath, Object> found;
        private Object decoded;

        BytesPayload(Schema schema, Object value, byte[] bytes, ByteFormat format) {
            this.schema = schema;
            this.value = value;
            this.bytes = bytes;
            this.format = format;
        }

        @Override public String form() { return format.name(); }
        @Override public Object value() { return value; }
        @Override public Schema schema() { return schema; }
        @Override public boolean isBytes() { return true; }
        @Override public ByteFormat format() { return format; }
        @Override public byte[] bytes() { return bytes; }

        @Override
        public Object decoded() {
            if (decoded == null) {
                decoded = format.decode(bytes);
            }
            return decoded;
        }

        @Override
        public Object find(FieldPath path) {
            if (found == null || !found.containsKey(path)) {
                PathSet all = interests;
                if (!all.paths().contains(path)) {
                    Set<FieldPath> more = new LinkedHashSet<>(all.paths());
                    more.add(path);
                    all = new PathSet(more);
                }
                Map<FieldPath, Object> scanned = format.find(bytes, all);
                if (found == null) {
                    found = scanned;
                } else {
                    found = new HashMap<>(found);
                    found.putAll(scanned);
                }
            }
            return found.get(path);
        }

        @Override
        public Payload project(Projection projection) {
            byte[] out = format.project(bytes, projection);
            return remember(new BytesPayload(schema, value instanceof ByteBuffer ? ByteBuffer.wrap(out) : out, out, format));
        }
    }
}
