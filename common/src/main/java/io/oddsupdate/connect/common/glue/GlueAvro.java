package io.oddsupdate.connect.common.glue;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;

import com.amazonaws.services.schemaregistry.common.configs.GlueSchemaRegistryConfiguration;
import com.amazonaws.services.schemaregistry.deserializers.GlueSchemaRegistryDeserializerDataParser;
import com.amazonaws.services.schemaregistry.exception.AWSSchemaRegistryException;
import com.amazonaws.services.schemaregistry.serializers.SerializationDataEncoder;
import com.amazonaws.services.schemaregistry.serializers.avro.AvroSerializer;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;

/**
 * Avro records in AWS Glue Schema Registry's wire format, read and written with the AWS library's own pieces:
 * {@code [3 (header version)][0 (no compression) | 5 (zlib)][16-byte schema version id][Avro binary body]}.
 * Any consumer using AWS's deserializer reads what this writes, and this reads what AWS's serializer writes.
 *
 * <p>Version ids are resolved once per (registry schema name, schema) and schemas once per version id: the registry
 * is called when a schema is first seen, never per record (each instance caches its own, up to {@value #CACHED}
 * entries each). Safe for use by several threads.
 */
public final class GlueAvro implements AutoCloseable {

    /** The first byte of every Glue-encoded record. */
    public static final byte HEADER_VERSION = AWSSchemaRegistryConstants.HEADER_VERSION_BYTE;
    private static final int HEADER_LENGTH = 18;
    static final int CACHED = 64;

    private record Key(String schemaName, Schema schema) {
    }

    private final SchemaRegistry registry;
    private final Cache<Key, UUID> versionIds = new SynchronizedCache<>(new LRUCache<>(CACHED));
    private final Cache<UUID, Schema> schemas = new SynchronizedCache<>(new LRUCache<>(CACHED));
    private final Cache<Schema, GenericDatumReader<GenericRecord>> readers = new SynchronizedCache<>(new LRUCache<>(CACHED));
    private final AvroSerializer serializer = new AvroSerializer();
    private final SerializationDataEncoder encoder;
    private final GlueSchemaRegistryDeserializerDataParser parser = GlueSchemaRegistryDeserializerDataParser.getInstance();

    public GlueAvro(SchemaRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        // Only the compression setting (none) matters to the encoder; the region is never used by it.
        this.encoder = new SerializationDataEncoder(new GlueSchemaRegistryConfiguration(Map.of(
                AWSSchemaRegistryConstants.AWS_REGION, "us-east-1",
                AWSSchemaRegistryConstants.COMPRESSION_TYPE, AWSSchemaRegistryConstants.COMPRESSION.NONE.name())));
    }

    public GlueAvro(GlueSettings settings) {
        this(settings.open());
    }

    /** True if {@code bytes} start like a Glue-encoded record (header version 3, known compression byte, full header). */
    public static boolean isGlueEncoded(byte[] bytes) {
        return bytes != null && bytes.length >= HEADER_LENGTH && bytes[0] == HEADER_VERSION
                && (bytes[1] == AWSSchemaRegistryConstants.COMPRESSION_DEFAULT_BYTE || bytes[1] == AWSSchemaRegistryConstants.COMPRESSION_BYTE);
    }

    /** The version id of {@code schema} under registry schema {@code schemaName} (cached). */
    public UUID versionId(String schemaName, Schema schema) {
        Key key = new Key(schemaName, schema);
        UUID id = versionIds.get(key);
        if (id == null) {
            id = registry.versionId(schemaName, schema);
            versionIds.put(key, id);
            schemas.put(id, schema);
        }
        return id;
    }

    /** Encodes {@code record} with its own schema, registered (or looked up) under {@code schemaName}. */
    public byte[] encode(String schemaName, GenericRecord record) {
        return encode(versionId(schemaName, record.getSchema()), record);
    }

    /** Encodes {@code record} under a version id already known to hold its schema (e.g. the id it was read with). */
    public byte[] encode(UUID versionId, GenericRecord record) {
        try {
            return encoder.write(serializer.serialize(record), versionId);
        } catch (AWSSchemaRegistryException e) {
            throw new SchemaRejectedException("cannot write " + record.getSchema().getFullName() + " as Avro: " + rootMessage(e), e);
        }
    }

    /** The writer schema of a Glue-encoded record (fetched by version id once, then cached). */
    public Schema writerSchema(byte[] bytes) {
        return schema(versionId(bytes));
    }

    /** The schema version id in a Glue-encoded record's header. */
    public UUID versionId(byte[] bytes) {
        if (!isGlueEncoded(bytes)) {
            throw new SchemaRejectedException("not a Glue Schema Registry record (expected header byte " + HEADER_VERSION
                    + ", a compression byte and a 16-byte schema version id)");
        }
        return parser.getSchemaVersionId(ByteBuffer.wrap(bytes));
    }

    public Schema schema(UUID versionId) {
        Schema schema = schemas.get(versionId);
        if (schema == null) {
            schema = registry.schema(versionId);
            schemas.put(versionId, schema);
        }
        return schema;
    }

    /** Decodes a Glue-encoded record with its writer schema. */
    public GenericRecord decode(byte[] bytes) {
        Schema writer = writerSchema(bytes);
        GenericDatumReader<GenericRecord> reader = readers.get(writer);
        if (reader == null) {
            reader = new GenericDatumReader<>(writer);
            readers.put(writer, reader);
        }
        try {
            byte[] body = bytes[1] == AWSSchemaRegistryConstants.COMPRESSION_DEFAULT_BYTE ? null : parser.getPlainData(ByteBuffer.wrap(bytes));
            BinaryDecoder decoder = body == null
                    ? DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null)
                    : DecoderFactory.get().binaryDecoder(body, null);
            return reader.read(null, decoder);
        } catch (Exception e) {
            throw new SchemaRejectedException("Avro body does not match its schema " + writer.getFullName() + " ("
                    + versionId(bytes) + "): " + rootMessage(e), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    @Override
    public void close() {
        registry.close();
    }
}
