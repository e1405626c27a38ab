package io.oddsupdate.connect.common;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

/**
 * How the bundle's transforms write the headers they add (routing headers, dead-letter context), which must suit the
 * connector's {@code header.converter}: a transform cannot see it, so {@code header.format} says it.
 * {@code string}: String values with a STRING schema, for {@code SimpleHeaderConverter} (Connect's and MSK Connect's
 * default) or {@code StringConverter}. {@code bytes}: the UTF-8 bytes with a BYTES schema, for {@code ByteArrayConverter},
 * which dedicated MirrorMaker sets by default and which rejects Strings (and which MirrorMaker connectors should use: with
 * {@code SimpleHeaderConverter} the upstream headers MirrorMaker copies as bytes are written Base64-encoded). Both give the
 * same bytes on the wire.
 */
public enum HeaderFormat {
    STRING, BYTES;

    public static final String CONFIG = "header.format";
    static final String DOC = "How this transform writes the headers it adds, to suit the connector's header.converter:"
            + " 'string' for SimpleHeaderConverter (the default of Connect and MSK Connect) or StringConverter; 'bytes'"
            + " (UTF-8, BYTES schema) for ByteArrayConverter, which rejects strings (dedicated MirrorMaker's default, and the"
            + " right choice for MirrorMaker: SimpleHeaderConverter writes the upstream headers it copies Base64-encoded).";

    static ConfigDef define(ConfigDef def) {
        return def.define(CONFIG, ConfigDef.Type.STRING, "string",
                ConfigDef.CaseInsensitiveValidString.in("string", "bytes"), ConfigDef.Importance.MEDIUM, DOC);
    }

    public static HeaderFormat from(AbstractConfig config) {
        return valueOf(config.getString(CONFIG).toUpperCase(Locale.ROOT));
    }

    /** Adds a header in this format. */
    public Headers add(Headers headers, String name, String value) {
        return this == STRING ? headers.addString(name, value)
                : headers.add(name, value.getBytes(StandardCharsets.UTF_8), Schema.BYTES_SCHEMA);
    }

    /** A header's value as a String, whichever of the two formats wrote it; null if absent or of another type. */
    public static String read(Header header) {
        if (header == null) {
            return null;
        }
        Object v = header.value();
        return v instanceof String ? (String) v : v instanceof byte[] ? new String((byte[]) v, StandardCharsets.UTF_8) : null;
    }
}
