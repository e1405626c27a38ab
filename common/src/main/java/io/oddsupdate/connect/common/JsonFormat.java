package io.oddsupdate.connect.common;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON bytes, the form MirrorMaker hands a transform when the source topic holds JSON. The default byte format: it
 * accepts whatever no other registered format claims, and rejects what is not one well-formed JSON document.
 *
 * <p>Lookups and projections are single streaming passes (Jackson's token stream, no tree): subtrees no path enters are
 * skipped without decoding, and a projection writes the kept fields straight to the output. Every pass reads the whole
 * document, so a value that is truncated or has trailing garbage after the fields of interest is still rejected.
 * Duplicate member names are rejected too: readers disagree on which one wins, and an allowlist must not be fooled.
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
     * array as a {@link Composite}.
     */
    @Override
    public Map<FieldPath, Object> find(byte[] bytes, PathSet paths) {
        Map<FieldPath, Object> found = new HashMap<>();
        for (FieldPath p : paths.paths()) {
            found.put(p, null);
        }
        try (JsonParser p = factory.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new PayloadException(null, "the value is empty, not JSON");
            }
            if (t == JsonToken.START_OBJECT) {
                scan(p, paths.root(), found);
            } else {
                p.skipChildren();
            }
            expectEnd(p);
        } catch (IOException e) {
            throw malformed(e);
        }
        return found;
    }

    private static void scan(JsonParser p, PathSet.Node node, Map<FieldPath, Object> found) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            PathSet.Node child = node.child(p.currentName());
            JsonToken t = p.nextToken();
            if (child == null) {
                p.skipChildren();
            } else if (t == JsonToken.START_OBJECT) {
                if (child.path() != null) {
                    found.put(child.path(), Composite.OBJECT);
                }
                if (child.hasChildren()) {
                    scan(p, child, found);
                } else {
                    p.skipChildren();
                }
            } else if (t == JsonToken.START_ARRAY) {
                if (child.path() != null) {
                    found.put(child.path(), Composite.ARRAY);
                }
                p.skipChildren();
            } else if (child.path() != null) {
                found.put(child.path(), scalar(p, t));
            }
        }
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING: return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return p.getNumberValue();
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            default: return null;
        }
    }

    @Override
    public byte[] project(byte[] bytes, Projection projection) {
        ByteArrayBuilder out = new ByteArrayBuilder(Math.min(bytes.length + 16, 1 << 20));
        try (JsonParser p = factory.createParser(bytes); JsonGenerator g = factory.createGenerator(out)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new PayloadException(null, "the value is empty, not JSON");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new PayloadException(null, "the value must be a JSON object but is " + t.asString());
            }
            copyObject(p, g, projection, "");
            expectEnd(p);
        } catch (PayloadException e) {
            throw e;
        } catch (IOException e) {
            throw malformed(e);
        }
        return out.toByteArray();
    }

    private static void copyObject(JsonParser p, JsonGenerator g, Projection projection, String prefix) throws IOException {
        boolean[] seen = projection.required().isEmpty() ? null : new boolean[projection.required().size()];
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            Projection.FieldRule f = projection.field(name);
            p.nextToken();
            if (f == null) {
                p.skipChildren();
                continue;
            }
            g.writeFieldName(name);
            copyValue(p, g, f.rule, Projection.child(prefix, name));
            if (f.requiredIndex >= 0) {
                seen[f.requiredIndex] = true;
            }
        }
        g.writeEndObject();
        if (seen != null) {
            for (int i = 0; i < seen.length; i++) {
                if (!seen[i]) {
                    throw Projection.missing(Projection.child(prefix, projection.required().get(i).name));
                }
            }
        }
    }

    private static void copyValue(JsonParser p, JsonGenerator g, Projection.Rule rule, String path) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            if (!rule.nullable) {
                throw Projection.wrongType(path, rule, "null");
            }
            g.writeNull();
            return;
        }
        if (!accepts(rule, p, t)) {
            throw Projection.wrongType(path, rule, describe(t));
        }
        switch (rule.kind) {
            case ANY:
                g.copyCurrentStructure(p);
                return;
            case RECORD:
                copyObject(p, g, rule.record, path);
                return;
            case ARRAY: {
                g.writeStartArray();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copyValue(p, g, rule.element, path + "[" + i++ + "]");
                }
                g.writeEndArray();
                return;
            }
            case MAP:
                g.writeStartObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    g.writeFieldName(key);
                    copyValue(p, g, rule.element, Projection.child(path, key));
                }
                g.writeEndObject();
                return;
            case UNION:
                for (Projection.Rule b : rule.branches) {
                    if (accepts(b, p, t)) {
                        copyValue(p, g, b, path);
                        return;
                    }
                }
                throw Projection.wrongType(path, rule, describe(t));
            default:
                g.copyCurrentEvent(p);
        }
    }

    private static boolean accepts(Projection.Rule rule, JsonParser p, JsonToken t) throws IOException {
        switch (rule.kind) {
            case ANY: return true;
            case NULL: return false;
            case STRING:
            case BYTES: return t == JsonToken.VALUE_STRING;
            case ENUM: return t == JsonToken.VALUE_STRING && rule.symbols.contains(p.getText());
            case INT: return t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT;
            case LONG: return t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
            case FLOAT:
            case DOUBLE: return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
            case BOOLEAN: return t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE;
            case RECORD:
            case MAP: return t == JsonToken.START_OBJECT;
            case ARRAY: return t == JsonToken.START_ARRAY;
            case UNION:
                for (Projection.Rule b : rule.branches) {
                    if (accepts(b, p, t)) {
                        return true;
                    }
                }
                return false;
            default: return false;
        }
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case START_OBJECT: return "an object";
            case START_ARRAY: return "an array";
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT: return "an integer";
            case VALUE_NUMBER_FLOAT: return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            default: return t.toString();
        }
    }

    private static void expectEnd(JsonParser p) throws IOException {
        JsonToken extra = p.nextToken();
        if (extra != null) {
            throw new PayloadException(null, "malformed JSON: unexpected " + describe(extra) + " after the document at byte "
                    + p.currentTokenLocation().getByteOffset());
        }
    }

    private static PayloadException malformed(IOException e) {
        String msg = e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage();
        long at = e instanceof JsonProcessingException && ((JsonProcessingException) e).getLocation() != null
                ? ((JsonProcessingException) e).getLocation().getByteOffset() : -1;
        return new PayloadException(null, "malformed JSON" + (at >= 0 ? " at byte " + at : "") + ": " + msg, e);
    }
}
