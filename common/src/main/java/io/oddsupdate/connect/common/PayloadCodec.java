package io.oddsupdate.connect.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.common.glue.GlueAvro;

/**
 * How one plugin instance reads and writes record values: its own JSON mapper and its own Glue-Avro codec (from its own
 * {@code glue.*} settings), nothing shared with any other instance. A value is a {@link Struct}, a schemaless
 * {@link Map}, or {@code byte[]}/{@link ByteBuffer} holding Glue-Avro (header byte 3, decoded with its writer schema)
 * or else JSON, which must be one well-formed document: no trailing data, no member name twice in one object (readers
 * disagree on which one wins, and an allowlist must not be fooled).
 */
public final class PayloadCodec implements AutoCloseable {

    private final ObjectMapper json = new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final GlueAvro glue;

    /** @param glue the codec for Glue-Avro bytes, or null to read every bytes value as JSON */
    public PayloadCodec(GlueAvro glue) {
        this.glue = glue;
    }

    /** The payload of a value and its schema (null when schemaless); the value must not be null. */
    public Payload read(Schema schema, Object value) {
        if (value instanceof Struct || value instanceof Map) {
            return new Payload(this, value instanceof Struct ? "struct" : "map", schema, value, value, null);
        }
        if (!(value instanceof byte[] || value instanceof ByteBuffer)) {
            throw new PayloadException(null, "unsupported value type " + value.getClass().getName()
                    + " (expected a Struct, a Map, byte[] or ByteBuffer)");
        }
        byte[] bytes = value instanceof byte[] b ? b : toArray((ByteBuffer) value);
        if (glue != null && GlueAvro.isGlueEncoded(bytes)) {
            return new Payload(this, "glue-avro", schema, value, glue.decode(bytes), bytes);
        }
        return new Payload(this, "json", schema, value, decodeJson(bytes), bytes);
    }

    /** A JSON document as a tree of Map, List, String, Number, Boolean and null. */
    public Object decodeJson(byte[] bytes) {
        try {
            return json.readValue(bytes, Object.class);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new PayloadException(null, "malformed JSON" + (at >= 0 ? " at byte " + at : "") + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PayloadException(null, "malformed JSON: " + e.getMessage(), e);
        }
    }

    public byte[] encodeJson(Object tree) {
        try {
            return json.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new PayloadException(null, "cannot encode the value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Re-encodes a record under the schema version id of {@code original}, so the value keeps the schema it claims. */
    byte[] encodeGlue(Object tree, byte[] original) {
        UUID id = glue.versionId(original);
        return glue.encode(id, Conformance.toRecord(tree, glue.schema(id)));
    }

    /** The Glue-Avro codec, or null. */
    public GlueAvro glue() {
        return glue;
    }

    static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        if (glue != null) {
            glue.close();
        }
    }
}
