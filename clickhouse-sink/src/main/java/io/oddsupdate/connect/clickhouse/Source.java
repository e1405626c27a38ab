package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;

/** Where a column's value comes from in a record: a value path, a header, the key, or a Kafka coordinate. */
final class Source {

    enum Kind { VALUE, HEADER, KEY, TOPIC, PARTITION, OFFSET, TIMESTAMP }

    final Kind kind;
    private final FieldPath path;
    private final String header;
    /** The last Struct schema read and its field of this one-name path: records of one schema need no lookup by name. */
    private StructField last;

    private record StructField(Schema schema, Field field) {
    }

    private Source(Kind kind, FieldPath path, String header) {
        this.kind = kind;
        this.path = path;
        this.header = header;
    }

    /** A value field path, {@code header.<name>}, {@code key} or {@code kafka.topic|partition|offset|timestamp}. */
    static Source parse(String spec) {
        String s = spec.strip();
        switch (s) {
            case "key": return new Source(Kind.KEY, null, null);
            case "kafka.topic": return new Source(Kind.TOPIC, null, null);
            case "kafka.partition": return new Source(Kind.PARTITION, null, null);
            case "kafka.offset": return new Source(Kind.OFFSET, null, null);
            case "kafka.timestamp": return new Source(Kind.TIMESTAMP, null, null);
            default:
        }
        if (s.startsWith("header.")) {
            String name = s.substring("header.".length());
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'" + spec + "' names no header");
            }
            return new Source(Kind.HEADER, null, name);
        }
        if (s.startsWith("kafka.")) {
            throw new IllegalArgumentException("'" + spec + "': the Kafka sources are kafka.topic, kafka.partition, kafka.offset, kafka.timestamp");
        }
        return value(s.startsWith("value.") ? s.substring("value.".length()) : s);
    }

    static Source value(String path) {
        return new Source(Kind.VALUE, FieldPath.parse(path), null);
    }

    /** The value in {@code record}; {@code value} is the record's parsed value (null for a tombstone). */
    Object read(SinkRecord record, Payload value) {
        switch (kind) {
            case VALUE:
                if (value == null) {
                    return null;
                }
                if (path.depth() == 1 && value.tree() instanceof Struct struct) {
                    StructField f = last;
                    if (f == null || f.schema() != struct.schema()) {
                        f = new StructField(struct.schema(), struct.schema().field(path.name(0)));
                        last = f;
                    }
                    return f.field() == null ? null : struct.get(f.field()); // as FieldPath.get reads it
                }
                return value.find(path);
            case HEADER:
                Header h = record.headers().lastWithName(header);
                if (h == null || h.value() == null) {
                    return null;
                }
                return h.value() instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : h.value();
            case KEY:
                return record.key() instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : record.key();
            case TOPIC:
                return record.originalTopic();
            case PARTITION:
                return record.originalKafkaPartition();
            case OFFSET:
                return record.originalKafkaOffset();
            case TIMESTAMP:
                return record.timestamp();
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    /** As errors name it: {@code value field 'odds'}, {@code header 'league'}, {@code kafka.offset}. */
    @Override
    public String toString() {
        switch (kind) {
            case VALUE: return "value field '" + path + "'";
            case HEADER: return "header '" + header + "'";
            case KEY: return "the key";
            default: return "kafka." + kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
