package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Reads a record value in either form the pipeline writes: JSON, or AWS Glue Schema Registry's Avro wire format (byte 3,
 * compression byte 0, 16-byte schema version id, Avro body), decoded with its writer schema. Schemas are found by
 * version id: the local registry's ids (a name-based UUID of {@code odds-update:schemas/<name>/vN}, computed here from
 * the repo's {@code schemas/}), else through {@link #resolver} (e.g. Glue's GetSchemaVersion on moto).
 */
final class RecordValues {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.avsc");
    private static final Map<UUID, Schema> SCHEMAS = new ConcurrentHashMap<>(localSchemas());

    /** Finds the schema definition of a version id the local registry does not know; null: none. */
    static volatile Function<UUID, String> resolver;

    private RecordValues() {
    }

    /** The value as a JSON tree (a Glue-Avro record as Avro's JSON rendering of it), or null if it is neither. */
    static JsonNode json(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            if (isGlueAvro(value)) {
                return JSON.readTree(GenericData.get().toString(decode(value)));
            }
            return JSON.readTree(value);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The value's top-level fields, name → value (strings as {@code String}, numbers as {@code Long} or {@code Double},
     * anything nested as it is), or null if the value is neither JSON nor Glue-Avro. Cheaper than {@link #json}: a
     * Glue-Avro record is not rendered as JSON and parsed again (the tally reads every record at 10,000s per second).
     */
    static Map<String, Object> fields(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            if (isGlueAvro(value)) {
                GenericRecord g = decode(value);
                for (Schema.Field f : g.getSchema().getFields()) {
                    Object v = g.get(f.pos());
                    out.put(f.name(), v instanceof CharSequence ? v.toString() : v);
                }
                return out;
            }
            JsonNode tree = JSON.readTree(value);
            if (tree == null || !tree.isObject()) {
                return null;
            }
            tree.fields().forEachRemaining(e -> out.put(e.getKey(), scalar(e.getValue())));
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Object scalar(JsonNode v) {
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return v.isNull() ? null : v;
    }

    static boolean isGlueAvro(byte[] value) {
        return value.length >= 18 && value[0] == 3 && value[1] == 0;
    }

    /** Decodes Glue-Avro bytes with the writer schema their version id names. */
    static GenericRecord decode(byte[] value) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(value, 2, 16);
        UUID id = new UUID(b.getLong(), b.getLong());
        Schema schema = SCHEMAS.computeIfAbsent(id, RecordValues::resolve);
        return new GenericDatumReader<GenericRecord>(schema).read(null, DecoderFactory.get().binaryDecoder(value, 18, value.length - 18, null));
    }

    private static Schema resolve(UUID id) {
        Function<UUID, String> r = resolver;
        String definition = r == null ? null : r.apply(id);
        if (definition == null) {
            throw new IllegalArgumentException("unknown schema version id " + id);
        }
        return new Schema.Parser().parse(definition);
    }

    private static Map<UUID, Schema> localSchemas() {
        Map<UUID, Schema> out = new ConcurrentHashMap<>();
        Path root = PluginPath.projectRoot().resolve("schemas");
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "v*.avsc")) {
                    for (Path f : files) {
                        Matcher m = VERSION_FILE.matcher(f.getFileName().toString());
                        if (m.matches()) {
                            UUID id = UUID.nameUUIDFromBytes(("odds-update:schemas/" + dir.getFileName() + "/v" + m.group(1))
                                    .getBytes(StandardCharsets.UTF_8));
                            out.put(id, new Schema.Parser().parse(Files.readString(f)));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
