package io.oddsupdate.connect.common.glue;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * JSON bytes straight to an Avro record of a schema, in one streaming pass (no intermediate tree): the hot path of
 * {@code EnforceSchema} on the vendor hop. It accepts exactly what {@link AvroValues#toRecord} accepts for the parsed
 * JSON, or less: on anything it does not accept it returns null, and the caller takes the tree path, which gives the
 * canonical error (field path, expected type, value), so error messages never depend on which path ran.
 */
final class JsonAvroReader {

    private static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Thrown internally to leave the fast path. */
    private static final class NotAccepted extends Exception {
        private static final long serialVersionUID = 1L;
        static final NotAccepted INSTANCE = new NotAccepted();

        private NotAccepted() {
            super(null, null, false, false);
        }
    }

    private JsonAvroReader() {
    }

    /** The record, or null if the JSON is malformed or does not fit (the caller then reports why). */
    static GenericRecord read(byte[] json, Schema schema) {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            GenericRecord r = record(p, schema);
            return p.nextToken() == null ? r : null;
        } catch (IOException | NotAccepted | RuntimeException e) {
            return null;
        }
    }

    private static GenericRecord record(JsonParser p, Schema schema) throws IOException, NotAccepted {
        List<Schema.Field> fields = schema.getFields();
        GenericData.Record out = new GenericData.Record(schema);
        boolean[] seen = new boolean[fields.size()];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            Schema.Field f = schema.getField(p.currentName());
            JsonToken t = p.nextToken();
            if (f == null) {
                p.skipChildren(); // still tokenized, so malformed JSON in it is still caught
                continue;
            }
            out.put(f.pos(), value(p, t, f.schema()));
            seen[f.pos()] = true;
        }
        for (Schema.Field f : fields) {
            if (!seen[f.pos()]) {
                if (!f.hasDefaultValue()) {
                    throw NotAccepted.INSTANCE;
                }
                out.put(f.pos(), GenericData.get().getDefaultValue(f));
            }
        }
        return out;
    }

    private static Object value(JsonParser p, JsonToken t, Schema schema) throws IOException, NotAccepted {
        switch (schema.getType()) {
            case UNION:
                if (t == JsonToken.VALUE_NULL) {
                    if (schema.getIndexNamed("null") != null) {
                        return null;
                    }
                    throw NotAccepted.INSTANCE;
                }
                for (Schema b : schema.getTypes()) {
                    if (b.getType() != Schema.Type.NULL && accepts(b, p, t)) {
                        return value(p, t, b);
                    }
                }
                throw NotAccepted.INSTANCE;
            case NULL:
                if (t == JsonToken.VALUE_NULL) {
                    return null;
                }
                throw NotAccepted.INSTANCE;
            case RECORD:
                if (t == JsonToken.START_OBJECT) {
                    return record(p, schema);
                }
                throw NotAccepted.INSTANCE;
            case STRING:
                if (t == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                throw NotAccepted.INSTANCE;
            case ENUM:
                if (t == JsonToken.VALUE_STRING && schema.hasEnumSymbol(p.getText())) {
                    return new GenericData.EnumSymbol(schema, p.getText());
                }
                throw NotAccepted.INSTANCE;
            case INT:
                if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                    return p.getIntValue();
                }
                throw NotAccepted.INSTANCE;
            case LONG:
                if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                    return p.getLongValue();
                }
                if (t == JsonToken.VALUE_STRING && schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    try {
                        return Instant.parse(p.getText()).toEpochMilli();
                    } catch (DateTimeParseException e) {
                        throw NotAccepted.INSTANCE;
                    }
                }
                throw NotAccepted.INSTANCE;
            case DOUBLE:
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    return p.getDoubleValue();
                }
                throw NotAccepted.INSTANCE;
            case FLOAT:
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    return p.getFloatValue();
                }
                throw NotAccepted.INSTANCE;
            case BOOLEAN:
                if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                    return t == JsonToken.VALUE_TRUE;
                }
                throw NotAccepted.INSTANCE;
            case ARRAY: {
                if (t != JsonToken.START_ARRAY) {
                    throw NotAccepted.INSTANCE;
                }
                GenericData.Array<Object> array = new GenericData.Array<>(8, schema);
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    array.add(value(p, e, schema.getElementType()));
                }
                return array;
            }
            case MAP: {
                if (t != JsonToken.START_OBJECT) {
                    throw NotAccepted.INSTANCE;
                }
                Map<String, Object> map = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    map.put(k, value(p, p.nextToken(), schema.getValueType()));
                }
                return map;
            }
            case BYTES:
            case FIXED:
            default:
                // the tree path decides (JSON has no bytes; strings are not converted)
                throw NotAccepted.INSTANCE;
        }
    }

    private static boolean accepts(Schema s, JsonParser p, JsonToken t) throws IOException {
        switch (s.getType()) {
            case STRING:
            case ENUM: return t == JsonToken.VALUE_STRING;
            case INT: return t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT;
            case LONG: return t == JsonToken.VALUE_NUMBER_INT
                    || t == JsonToken.VALUE_STRING && s.getLogicalType() instanceof LogicalTypes.TimestampMillis;
            case DOUBLE:
            case FLOAT: return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
            case BOOLEAN: return t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE;
            case RECORD:
            case MAP: return t == JsonToken.START_OBJECT;
            case ARRAY: return t == JsonToken.START_ARRAY;
            default: return false;
        }
    }
}
