package io.oddsupdate.connect.common;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON bytes, the form MirrorMaker hands a transform when the source topic holds JSON. The default byte format: it
 * accepts whatever no other registered format claims, and rejects what is not one well-formed JSON document.
 *
 * <p>Lookups and projections are single passes of a validating byte scanner ({@link JsonScanner}, no tree, no token
 * objects): members no path enters are skipped without decoding, and a projection copies the kept members byte for byte
 * (original escapes and number text) after checking them. Every pass reads the whole document, so a value that is
 * truncated or has trailing garbage after the fields of interest is still rejected. A looked-up or kept member that
 * occurs twice in one object is rejected too: readers disagree on which one wins, and an allowlist must not be fooled.
 * {@link #decode}/{@link #encode} (whole trees) use Jackson, with duplicate detection and trailing-token checks on.
 */
public final class JsonFormat implements ByteFormat {

    public static final JsonFormat INSTANCE = new JsonFormat();

    /** A path that ends at an object or array (not a scalar): the value found there, as a stand-in. */
    public enum Composite { OBJECT, ARRAY }

    private final JsonFactory factory = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private final ObjectMapper mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonFormat() {
    }

    @Override
    public String name() {
        return "json";
    }

    @Override
    public boolean detect(byte[] bytes) {
        return true;
    }

    @Override
    public Object decode(byte[] bytes) {
        try {
            return mapper.readValue(bytes, Object.class);
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    @Override
    public byte[] encode(Object tree, byte[] original) {
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new PayloadException(null, "cannot encode the value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Scalars are returned as String, Integer/Long/BigInteger, Double or Boolean, a JSON null as null, and an object or
     * array as a {@link Composite}. A looked-up member that occurs twice in one object is rejected.
     */
    @Override
    public Map<FieldPath, Object> find(byte[] bytes, PathSet paths) {
        Map<FieldPath, Object> found = new HashMap<>(paths.paths().size() * 2);
        for (FieldPath p : paths.list()) {
            found.put(p, null);
        }
        JsonScanner s = scanner(bytes);
        if (s.peek() == '{') {
            scan(s, paths.root(), found);
        } else {
            s.skipValue();
        }
        s.expectEnd();
        return found;
    }

    private static JsonScanner scanner(byte[] bytes) {
        JsonScanner s = new JsonScanner(bytes);
        if (s.atEnd()) {
            throw new PayloadException(null, "the value is empty, not JSON");
        }
        return s;
    }

    /** At '{': finds the paths below {@code node}, skipping every member no path enters. */
    private static void scan(JsonScanner s, PathSet.Node node, Map<FieldPath, Object> found) {
        if (s.open('}')) {
            return;
        }
        PathSet.Node[] seen = null;
        int seenCount = 0;
        do {
            PathSet.Node child = memberName(s, node);
            s.expect(':');
            if (child == null) {
                s.skipValue();
                continue;
            }
            if (seen == null) {
                seen = new PathSet.Node[4];
            }
            for (int i = 0; i < seenCount; i++) {
                if (seen[i] == child) {
                    throw s.malformed("duplicate member name");
                }
            }
            if (seenCount == seen.length) {
                seen = java.util.Arrays.copyOf(seen, seenCount * 2);
            }
            seen[seenCount++] = child;
            byte c = s.peek();
            if (c == '{') {
                if (child.path() != null) {
                    found.put(child.path(), Composite.OBJECT);
                }
                if (child.hasChildren()) {
                    scan(s, child, found);
                } else {
                    s.skipValue();
                }
            } else if (c == '[') {
                if (child.path() != null) {
                    found.put(child.path(), Composite.ARRAY);
                }
                s.skipValue();
            } else if (child.path() != null) {
                found.put(child.path(), scalar(s, c));
            } else {
                s.skipValue();
            }
        } while (s.more('}'));
    }

    /** Reads a member name and returns the path node it matches, or null. */
    private static PathSet.Node memberName(JsonScanner s, PathSet.Node node) {
        if (s.peek() != '"') {
            throw s.malformed("expected a member name but found " + s.found());
        }
        int start = s.pos + 1;
        if (s.skipString()) {
            s.pos = start - 1;
            return node.child(s.readString());
        }
        return node.child(s.b, start, s.pos - 1 - start);
    }

    private static Object scalar(JsonScanner s, byte c) {
        if (c == '"') {
            return s.readString();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return s.readNumber();
        }
        if (c == 't' || c == 'f' || c == 'n') {
            byte lit = s.skipLiteral();
            return lit == 't' ? Boolean.TRUE : lit == 'f' ? Boolean.FALSE : null;
        }
        throw s.malformed("unexpected " + s.found());
    }

    /**
     * One pass: kept members are checked against their rule and copied byte for byte (so strings keep their original
     * escapes and numbers their original text); dropped ones are skipped (still validated).
     */
    @Override
    public byte[] project(byte[] bytes, Projection projection) {
        JsonScanner s = scanner(bytes);
        if (s.peek() != '{') {
            throw new PayloadException(null, "the value must be a JSON object but starts with " + s.found());
        }
        Out out = new Out(bytes.length);
        copyObject(s, out, projection, "");
        s.expectEnd();
        return out.toByteArray();
    }

    /** A growable byte buffer (no synchronization, unlike ByteArrayOutputStream). */
    private static final class Out {
        byte[] buf;
        int len;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void write(byte c) {
            if (len == buf.length) {
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
            buf[len++] = c;
        }

        void write(byte[] src, int off, int n) {
            if (len + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(src, off, buf, len, n);
            len += n;
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, len);
        }
    }

    private static void copyObject(JsonScanner s, Out out, Projection projection, String prefix) {
        boolean[] seen = new boolean[projection.required().size()];
        boolean[] kept = null;
        out.write((byte) '{');
        boolean first = true;
        if (!s.open('}')) {
            do {
                if (s.peek() != '"') {
                    throw s.malformed("expected a member name but found " + s.found());
                }
                int nameStart = s.pos;
                Projection.FieldRule f;
                if (s.skipString()) {
                    int after = s.pos;
                    s.pos = nameStart;
                    f = projection.field(s.readString());
                    s.pos = after;
                } else {
                    f = projection.field(s.b, nameStart + 1, s.pos - nameStart - 2);
                }
                int nameEnd = s.pos;
                s.expect(':');
                if (f == null) {
                    s.skipValue();
                    continue;
                }
                if (kept == null) {
                    kept = new boolean[projection.fields().size()];
                }
                int index = projection.index(f);
                if (kept[index]) {
                    throw s.malformed("duplicate member name");
                }
                kept[index] = true;
                if (!first) {
                    out.write((byte) ',');
                }
                first = false;
                out.write(s.b, nameStart, nameEnd - nameStart);
                out.write((byte) ':');
                copyValue(s, out, f.rule, Projection.child(prefix, f.name));
                if (f.requiredIndex >= 0) {
                    seen[f.requiredIndex] = true;
                }
            } while (s.more('}'));
        }
        out.write((byte) '}');
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i]) {
                throw Projection.missing(Projection.child(prefix, projection.required().get(i).name));
            }
        }
    }

    private static void copyValue(JsonScanner s, Out out, Projection.Rule rule, String path) {
        byte c = s.peek();
        int start = s.pos;
        if (c == 'n') {
            s.skipLiteral();
            if (!rule.nullable) {
                throw Projection.wrongType(path, rule, "null");
            }
            out.write(s.b, start, s.pos - start);
            return;
        }
        Projection.Rule r = rule.kind == Projection.Kind.UNION ? branch(s, rule, path) : rule;
        switch (r.kind) {
            case ANY:
                s.skipValue();
                break;
            case RECORD:
                if (c != '{') {
                    throw Projection.wrongType(path, r, describe(s, c));
                }
                copyObject(s, out, r.record, path);
                return;
            case MAP:
                if (c != '{') {
                    throw Projection.wrongType(path, r, describe(s, c));
                }
                out.write((byte) '{');
                if (!s.open('}')) {
                    boolean first = true;
                    do {
                        int nameStart = s.peek() == '"' ? s.pos : -1;
                        if (nameStart < 0) {
                            throw s.malformed("expected a member name but found " + s.found());
                        }
                        s.skipString();
                        if (!first) {
                            out.write((byte) ',');
                        }
                        first = false;
                        out.write(s.b, nameStart, s.pos - nameStart);
                        s.expect(':');
                        out.write((byte) ':');
                        copyValue(s, out, r.element, path + ".*");
                    } while (s.more('}'));
                }
                out.write((byte) '}');
                return;
            case ARRAY:
                if (c != '[') {
                    throw Projection.wrongType(path, r, describe(s, c));
                }
                out.write((byte) '[');
                if (!s.open(']')) {
                    int i = 0;
                    do {
                        if (i > 0) {
                            out.write((byte) ',');
                        }
                        copyValue(s, out, r.element, path + "[" + i++ + "]");
                    } while (s.more(']'));
                }
                out.write((byte) ']');
                return;
            default:
                if (!scalarFits(s, r, c)) {
                    throw Projection.wrongType(path, r, describe(s, c));
                }
        }
        out.write(s.b, start, s.pos - start);
    }

    /** Checks (and consumes) a scalar against a scalar rule; false (position undefined) if it does not fit. */
    private static boolean scalarFits(JsonScanner s, Projection.Rule r, byte c) {
        switch (r.kind) {
            case STRING:
            case BYTES:
                if (c != '"') return false;
                s.skipString();
                return true;
            case ENUM:
                return c == '"' && r.symbols.contains(s.readString());
            case BOOLEAN:
                return (c == 't' || c == 'f') && s.skipLiteral() != 'n';
            case INT:
            case LONG:
            case FLOAT:
            case DOUBLE:
                if (c != '-' && (c < '0' || c > '9')) return false;
                if (r.kind == Projection.Kind.FLOAT || r.kind == Projection.Kind.DOUBLE) {
                    s.skipNumber();
                    return true;
                }
                Number n = s.readNumber();
                return n instanceof Integer || (r.kind == Projection.Kind.LONG && n instanceof Long);
            default:
                return false;
        }
    }

    /** The first branch of a union the value at the scanner fits (checked without consuming it). */
    private static Projection.Rule branch(JsonScanner s, Projection.Rule union, String path) {
        byte c = s.peek();
        int start = s.pos;
        for (Projection.Rule b : union.branches) {
            boolean fits;
            switch (b.kind) {
                case ANY: fits = true; break;
                case RECORD:
                case MAP: fits = c == '{'; break;
                case ARRAY: fits = c == '['; break;
                default:
                    try {
                        fits = scalarFits(s, b, c);
                    } catch (PayloadException e) {
                        fits = false;
                    }
                    s.pos = start;
            }
            if (fits) {
                return b;
            }
        }
        throw Projection.wrongType(path, union, describe(s, c));
    }

    private static String describe(JsonScanner s, byte c) {
        switch (c) {
            case '{': return "an object";
            case '[': return "an array";
            case '"': return "a string";
            case 't':
            case 'f': return "a boolean";
            default: return c == '-' || (c >= '0' && c <= '9') ? "a number" : s.found();
        }
    }

    private static PayloadException malformed(IOException e) {
        String msg = e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage();
        long at = e instanceof JsonProcessingException && ((JsonProcessingException) e).getLocation() != null
                ? ((JsonProcessingException) e).getLocation().getByteOffset() : -1;
        return new PayloadException(null, "malformed JSON" + (at >= 0 ? " at byte " + at : "") + ": " + msg, e);
    }
}
