package io.oddsupdate.connect.common.glue;

import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import io.oddsupdate.connect.common.ByteFormat;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadException;

/**
 * Glue-Avro bytes as a {@link ByteFormat} of the payload layer, so {@code CanonicalKey}, {@code InjectHeaders} and
 * {@code Sanitize} read and rewrite records already in Glue Schema Registry's wire format: recognised by the header
 * byte 3, decoded with the writer schema fetched by its version id (once, then cached), and re-encoded with that same
 * schema and version id, so a transform never changes which schema a record claims.
 *
 * <p>Registered by {@code EnforceSchema} and {@link GlueAvroConverter} when they are configured, with their
 * {@code glue.*} settings (a chain holding any of them shares it), or by a connector through {@link #register(GlueSettings)}.
 */
public final class GlueAvroFormat implements ByteFormat {

    public static final String NAME = "glue-avro";

    private final GlueAvro codec;

    public GlueAvroFormat(GlueAvro codec) {
        this.codec = codec;
    }

    /** Makes the payload layer read and write Glue-Avro bytes through this codec. */
    public static void register(GlueAvro codec) {
        Payload.registerFormat(new GlueAvroFormat(codec));
    }

    /**
     * For a connector that reads Glue-Avro values through the payload layer with {@code ByteArrayConverter} (e.g. a sink
     * on {@code raw.events.*}): call from {@code start} with the connector's {@code glue.*} settings
     * ({@link GlueSettings#addTo} adds them to its ConfigDef). Each plugin has its own class loader, so the format a
     * transform of another plugin registered is not visible here.
     */
    public static void register(GlueSettings settings) {
        register(new GlueAvro(settings));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(byte[] bytes) {
        return GlueAvro.isGlueEncoded(bytes);
    }

    @Override
    public Object decode(byte[] bytes) {
        try {
            return AvroValues.toMap(codec.decode(bytes));
        } catch (SchemaRejectedException e) {
            throw new PayloadException(null, e.getMessage(), e);
        }
    }

    @Override
    public byte[] encode(Object tree, byte[] original) {
        try {
            UUID id = codec.versionId(original);
            Schema writer = codec.schema(id);
            GenericRecord record = AvroValues.toRecord(tree, writer);
            return codec.encode(id, record);
        } catch (SchemaRejectedException e) {
            throw new PayloadException(null, e.getMessage(), e);
        }
    }
}
