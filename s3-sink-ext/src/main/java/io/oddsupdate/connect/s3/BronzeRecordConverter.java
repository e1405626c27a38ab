package io.oddsupdate.connect.s3;

import java.io.IOException;
import java.io.InputStream;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.common.Conformance;

/**
 * Converts a record value (a Connect {@code Struct} from a schema'd converter, or a {@code Map} from a schemaless one) to
 * an Avro record of the bronze schema {@code com.example.odds.OddsUpdate}, with the bundle's conformance engine
 * ({@link Conformance}: fields matched by name, unknown ones dropped, timestamps as epoch millis, Connect
 * {@code Timestamp} or ISO-8601, no NaN or infinities). {@code source_topic}, {@code source_partition} and
 * {@code source_offset}, when absent, are filled from the record's Kafka coordinates, so every bronze row names where it
 * came from. Anything that does not fit throws a {@link DataException} whose message is the reason the record is
 * dead-lettered.
 */
final class BronzeRecordConverter {

    static final String SCHEMA_DIR = "schemas/odds-update-internal/";

    private final Schema schema;
    /** Positions of source_topic, source_partition, source_offset (-1 when the schema version lacks one). */
    private final int topicPos;
    private final int partitionPos;
    private final int offsetPos;

    BronzeRecordConverter(Schema schema) {
        this.schema = schema;
        this.topicPos = position(schema, "source_topic");
        this.partitionPos = position(schema, "source_partition");
        this.offsetPos = position(schema, "source_offset");
    }

    private static int position(Schema schema, String field) {
        Schema.Field f = schema.getField(field);
        return f == null ? -1 : f.pos();
    }

    Schema schema() {
        return schema;
    }

    /** The bronze schema {@code vN.avsc} from the class path; {@code latest} is the highest N present. */
    static Schema loadSchema(String version) {
        if ("latest".equalsIgnoreCase(version.trim())) {
            Schema latest = null;
            for (int v = 1; ; v++) {
                Schema s = loadOrNull("v" + v);
                if (s == null) {
                    break;
                }
                latest = s;
            }
            if (latest == null) {
                throw new IllegalStateException("no bronze schema " + SCHEMA_DIR + "v1.avsc on the class path");
            }
            return latest;
        }
        Schema s = loadOrNull(version.trim());
        if (s == null) {
            throw new IllegalArgumentException("no bronze schema " + SCHEMA_DIR + version.trim() + ".avsc on the class path");
        }
        return s;
    }

    private static Schema loadOrNull(String version) {
        try (InputStream in = BronzeRecordConverter.class.getClassLoader().getResourceAsStream(SCHEMA_DIR + version + ".avsc")) {
            return in == null ? null : new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bronze schema " + version, e);
        }
    }

    GenericRecord convert(SinkRecord record) {
        if (record.value() == null) {
            throw new DataException("tombstone (null value): a bronze row needs a value");
        }
        GenericRecord out = Conformance.toRecord(record.value(), schema);
        fillLineage(out, record);
        return out;
    }

    private void fillLineage(GenericRecord out, SinkRecord record) {
        if (topicPos >= 0 && out.get(topicPos) == null) {
            out.put(topicPos, record.originalTopic());
        }
        if (partitionPos >= 0 && out.get(partitionPos) == null) {
            out.put(partitionPos, record.originalKafkaPartition());
        }
        if (offsetPos >= 0 && out.get(offsetPos) == null) {
            out.put(offsetPos, record.originalKafkaOffset());
        }
    }

    static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema s : schema.getTypes()) {
                if (s.getType() != Schema.Type.NULL) {
                    return s;
                }
            }
        }
        return schema;
    }
}
