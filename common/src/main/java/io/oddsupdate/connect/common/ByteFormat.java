package io.oddsupdate.connect.common;

import java.util.HashMap;
import java.util.Map;

/**
 * One encoding a record value can arrive in as {@code byte[]}/{@code ByteBuffer}: JSON (what MirrorMaker hands over from
 * a JSON topic) or, registered by the schema plugin, Glue-Avro (magic byte 0x03, compression byte, 16-byte schema
 * version id, Avro body). {@link Payload} picks the first registered format whose {@link #detect} accepts the bytes and
 * falls back to {@link JsonFormat}; transforms never see which one it was, so a new format needs no transform changes.
 *
 * <p>A format must implement {@link #decode} and {@link #encode}; {@link #find} and {@link #project} default to working on
 * the decoded tree and should be overridden with a streaming version where the format allows one.
 */
public interface ByteFormat {

    /** Short name used in error messages and logs, e.g. {@code json}, {@code glue-avro}. */
    String name();

    /** Whether these bytes are in this format (e.g. a magic byte). Must be cheap and must not throw. */
    boolean detect(byte[] bytes);

    /**
     * The whole value as a schemaless tree: {@code Map<String, Object>}, {@code List<Object>}, String, Number, Boolean,
     * byte[] or null. Throws {@link PayloadException} when the bytes are not valid in this format.
     */
    Object decode(byte[] bytes);

    /** Encodes a tree in this format; {@code original} is the value it was decoded from (e.g. for a schema id). */
    byte[] encode(Object tree, byte[] original);

    /** The value at each of the paths, null where absent; one map entry per path. */
    default Map<FieldPath, Object> find(byte[] bytes, PathSet paths) {
        Object tree = decode(bytes);
        Map<FieldPath, Object> found = new HashMap<>();
        for (FieldPath p : paths.paths()) {
            found.put(p, p.get(tree));
        }
        return found;
    }

    /** The value keeping only what the projection allows, in this format. */
    default byte[] project(byte[] bytes, Projection projection) {
        return encode(projection.apply(decode(bytes)), bytes);
    }
}
