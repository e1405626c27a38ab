package io.oddsupdate.connect.s3;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Converts a record value (a Connect {@link Struct} from a schema'd converter, or a {@link Map} from a schemaless one) to
 * an Avro record of the bronze schema {@code com.example.odds.OddsUpdate}.
 *
 * <p>Fields are matched by name; fields the bronze schema does not know are ignored; a missing optional field is null.
 * Timestamps ({@code timestamp-millis}) accept epoch millis, a Connect {@code Timestamp} ({@link java.util.Date}) or an
 * ISO-8601 instant. {@code source_topic}, {@code source_partition} and {@code source_offset}, when absent, are filled
 * from the record's Kafka coordinates, so every bronze row names where it came from. Anything else that does not fit
 * throws a {@link DataException} whose message is the reason the record is dead-lettered.
 */
final class BronzeRecordConverter {

    static final String SCHEMA_DIR = "schemas/odds-update-internal/";

    private final Schema schema;
    private final List<Schema.Field> fields;
    /** Per Connect schema: the Connect field for each bronze field (or null), so a repeated schema is resolved once. */
    private final Cache<org.apache.kafka.connect.data.Schema, Field[]> plans = new LRUCache<>(16);
    /** Converters hand out the same Schema instance for a repeated schema; this skips hashing it (a deep walk). */
    private org.apache.kafka.connect.data.Schema lastSchema;
    private Field[] lastPlan;
    /** Positions of source_topic, source_partition, source_offset (-1 when the schema version lacks one). */
    private final int topicPos;
    private final int partitionPos;
    private final int offsetPos;

    BronzeRecordConverter(Schema schema) {
        this.schema = schema;
        this.fields = schema.getFields();
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
        Object value = record.value();
        if (value == null) {
            throw new DataException("tombstone (null value): a bronze row needs a value");
        }
        GenericData.Record out = new GenericData.Record(schema);
        if (value instanceof Struct struct) {
            Field[] plan = planFor(struct.schema());
            for (int i = 0; i < plan.length; i++) {
                Field f = plan[i];
                put(out, fields.get(i), f == null ? null : struct.get(f));
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Schema.Field f : fields) {
                put(out, f, map.get(f.name()));
            }
        } else {
            throw new DataException("value is a " + value.getClass().getSimpleName()
                    + ", expected a Struct or Map (use a converter that produces them, e.g. JsonConverter or an Avro converter)");
        }
        fillLineage(out, record);
        return out;
    }

    private Field[] planFor(org.apache.kafka.connect.data.Schema connectSchema) {
        if (connectSchema == lastSchema) {
            return lastPlan;
        }
        Field[] plan = plans.get(connectSchema);
        if (plan == null) {
            plan = new Field[fields.size()];
            for (int i = 0; i < plan.length; i++) {
                plan[i] = connectSchema.field(fields.get(i).name());
            }
            plans.put(connectSchema, plan);
        }
        lastSchema = connectSchema;
        lastPlan = plan;
        return plan;
    }

    private void fillLineage(GenericData.Record out, SinkRecord record) {
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

    private static void put(GenericData.Record out, Schema.Field field, Object value) {
        Schema type = nonNull(field.schema());
        if (value == null) {
            if (type == field.schema()) {
                throw new DataException("missing required field '" + field.name() + "'");
            }
            return;
        }
        try {
            out.put(field.pos(), convert(type, value));
        } catch (DataException e) {
            throw new DataException("field '" + field.name() + "': " + e.getMessage());
        }
    }

    private static Object convert(Schema type, Object value) {
        switch (type.getType()) {
            case STRING:
                if (value instanceof CharSequence) {
                    return value.toString();
                }
                break;
            case LONG:
                if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    return timestampMillis(value);
                }
                if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    return ((Number) value).longValue();
                }
                break;
            case INT:
                if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    return ((Number) value).intValue();
                }
                if (value instanceof Long l && l == l.intValue()) {
                    return l.intValue();
                }
                break;
            case DOUBLE:
                if (value instanceof Number n) {
                    double d = n.doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new DataException("not a finite number: " + value);
                    }
                    return d;
                }
                break;
            case FLOAT:
                if (value instanceof Number n) {
                    return n.floatValue();
                }
                break;
            case BOOLEAN:
                if (value instanceof Boolean) {
                    return value;
                }
                break;
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    Map<String, Object> m = new HashMap<>(map.size() * 2);
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        if (e.getValue() == null) {
                            throw new DataException("map entry '" + e.getKey() + "' is null");
                        }
                        m.put(String.valueOf(e.getKey()), convert(type.getValueType(), e.getValue()));
                    }
                    return m;
                }
                break;
            default:
                throw new DataException("bronze schema type " + type + " is not supported by this sink");
        }
        throw new DataException("expected " + type.getType().getName() + " but found " + value.getClass().getSimpleName()
                + " '" + abbreviate(value) + "'");
    }

    private static long timestampMillis(Object value) {
        if (value instanceof java.util.Date d) {
            return d.getTime();
        }
        if (value instanceof Long || value instanceof Integer) {
            return ((Number) value).longValue();
        }
        if (value instanceof CharSequence s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new DataException("not an ISO-8601 instant: '" + abbreviate(s) + "'");
            }
        }
        throw new DataException("expected a timestamp (epoch millis, Connect Timestamp or ISO-8601) but found "
                + value.getClass().getSimpleName());
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

    private static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
