package io.oddsupdate.connect.common;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The source-side dead-letter route every transform of the bundle offers. Connect's {@code errors.deadletterqueue.*}
 * settings exist for sink connectors only; a source connector (MirrorMaker) with {@code errors.tolerance=all} silently
 * drops a record a transform fails on. With {@code dlq.topic} set, a transform instead returns the record it could not
 * process unchanged (key, value, headers as it received them) but addressed to that topic, with no partition (the
 * dead-letter topic has its own partition count, so the producer picks one from the key), and with the error context
 * headers Connect writes for sink dead-letter queues ({@code __connect.errors.topic}, {@code .partition}, {@code .offset},
 * {@code .stage}, {@code .class.name}, {@code .exception.class.name}, {@code .exception.message}) plus
 * {@code __connect.errors.transform.alias}. Without {@code dlq.topic} the failure is a {@link DataException}, which
 * Connect handles per {@code errors.tolerance}.
 *
 * <p>The original topic/partition/offset come from a MirrorMaker record's source partition and offset (the upstream
 * coordinates), from a sink record's original coordinates, else from the record itself.
 *
 * <p>A dead-lettered record also carries {@link #MARKER_HEADER}, whose value is a token drawn at random when the
 * plugin's class loader loads this class (the transforms of one chain come from one plugin, so they share it), and
 * every transform of the bundle passes a record carrying it through untouched. Because the token is not known outside
 * the worker, a record that arrives with such a header (replicated from a dead-letter topic, or forged) is processed
 * normally and cannot skip a transform such as {@code Sanitize}.
 *
 * <p>Connect does not tell a transform its alias, so errors name it by {@code transform.alias} when set, else by the
 * class's simple name.
 */
public final class DeadLetterRoute {

    public static final String DLQ_TOPIC_CONFIG = "dlq.topic";
    private static final String DLQ_TOPIC_DOC = "Topic that receives, unchanged, each record this transform cannot process"
            + " (malformed, missing or wrongly typed fields), with Connect's __connect.errors.* context headers. The topic"
            + " must exist on the cluster the connector writes to. Empty: such a record fails with a DataException, which"
            + " Connect handles per errors.tolerance (a source connector drops it when that is 'all').";
    public static final String TRANSFORM_ALIAS_CONFIG = "transform.alias";
    private static final String TRANSFORM_ALIAS_DOC = "The name errors and dead-letter headers give this transform;"
            + " set it to the transform's alias in 'transforms', which Connect does not pass to the transform. Empty: the"
            + " class's simple name.";

    public static final String MAX_VALUE_BYTES_CONFIG = "max.value.bytes";
    private static final String MAX_VALUE_BYTES_DOC = "Largest bytes value (JSON or Glue-Avro, as MirrorMaker hands it"
            + " over) the transform processes; a larger one is dead-lettered unread, as 'oversized', before it reaches the"
            + " producer. Without this, a record over the target topic's max.message.bytes fails the producer with"
            + " RecordTooLargeException and kills the task (or, with errors.tolerance=all, is dropped). Keep it below the"
            + " target topics' max.message.bytes less room for key and headers, and give the dead-letter topic a"
            + " max.message.bytes (and the connector producer.override.max.request.size) at least the source's, so the"
            + " oversized record itself is kept. 0: no limit. Struct and Map values are not measured.";
    public static final int DEFAULT_MAX_VALUE_BYTES = 1_000_000;

    public static final String HEADER_PREFIX = "__connect.errors.";
    public static final String ORIGINAL_TOPIC_HEADER = HEADER_PREFIX + "topic";
    public static final String ORIGINAL_PARTITION_HEADER = HEADER_PREFIX + "partition";
    public static final String ORIGINAL_OFFSET_HEADER = HEADER_PREFIX + "offset";
    public static final String STAGE_HEADER = HEADER_PREFIX + "stage";
    public static final String CLASS_HEADER = HEADER_PREFIX + "class.name";
    public static final String TRANSFORM_ALIAS_HEADER = HEADER_PREFIX + "transform.alias";
    public static final String EXCEPTION_CLASS_HEADER = HEADER_PREFIX + "exception.class.name";
    public static final String EXCEPTION_MESSAGE_HEADER = HEADER_PREFIX + "exception.message";
    /** Marks a record a transform of this worker dead-lettered; value: {@link #TOKEN}. */
    public static final String MARKER_HEADER = "__oddsupdate.dead.letter";
    /** Connect's name for the transformation stage (its {@code Stage.TRANSFORMATION}). */
    public static final String STAGE = "TRANSFORMATION";

    /** Random per plugin class loader: a constant, never written anywhere but on dead-lettered records. */
    static final String TOKEN = UUID.randomUUID().toString();

    // MirrorMaker's source partition/offset keys (MirrorUtils in connect-mirror)
    private static final String MIRROR_TOPIC_KEY = "topic";
    private static final String MIRROR_PARTITION_KEY = "partition";
    private static final String MIRROR_OFFSET_KEY = "offset";

    private final String topic;
    private final String name;
    private final String className;
    private final HeaderFormat headerFormat;
    private final int maxValueBytes;

    public DeadLetterRoute(String topic, String alias, Class<?> transformClass) {
        this(topic, alias, transformClass, HeaderFormat.STRING, DEFAULT_MAX_VALUE_BYTES);
    }

    public DeadLetterRoute(String topic, String alias, Class<?> transformClass, HeaderFormat headerFormat, int maxValueBytes) {
        this.topic = topic == null || topic.isBlank() ? null : topic.strip();
        this.name = alias == null || alias.isBlank() ? transformClass.getSimpleName() : alias.strip();
        this.className = transformClass.getName();
        this.headerFormat = headerFormat;
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * The route configured by {@link #DLQ_TOPIC_CONFIG}, {@link #TRANSFORM_ALIAS_CONFIG}, {@link HeaderFormat#CONFIG} and
     * {@link #MAX_VALUE_BYTES_CONFIG}.
     */
    public static DeadLetterRoute from(AbstractConfig config, Class<?> transformClass) {
        return new DeadLetterRoute(config.getString(DLQ_TOPIC_CONFIG), config.getString(TRANSFORM_ALIAS_CONFIG), transformClass,
                HeaderFormat.from(config), config.getInt(MAX_VALUE_BYTES_CONFIG));
    }

    /**
     * Adds the settings every transform of the bundle has: {@code dlq.topic}, {@code transform.alias},
     * {@code max.value.bytes}, {@code header.format}.
     */
    public static ConfigDef define(ConfigDef def) {
        return HeaderFormat.define(def
                .define(DLQ_TOPIC_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, DLQ_TOPIC_DOC)
                .define(TRANSFORM_ALIAS_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, TRANSFORM_ALIAS_DOC)
                .define(MAX_VALUE_BYTES_CONFIG, ConfigDef.Type.INT, DEFAULT_MAX_VALUE_BYTES, ConfigDef.Range.atLeast(0),
                        ConfigDef.Importance.MEDIUM, MAX_VALUE_BYTES_DOC));
    }

    /**
     * A failure for a bytes value larger than {@link #MAX_VALUE_BYTES_CONFIG}, or null: measured before anything parses
     * it, so an oversized record costs nothing and never reaches the producer.
     */
    public PayloadException oversized(Object value) {
        if (maxValueBytes <= 0) {
            return null;
        }
        int size = value instanceof byte[] ? ((byte[]) value).length
                : value instanceof ByteBuffer ? ((ByteBuffer) value).remaining() : -1;
        return size > maxValueBytes
                ? new PayloadException(null, "oversized: the value has " + size + " bytes, more than "
                        + MAX_VALUE_BYTES_CONFIG + "=" + maxValueBytes)
                : null;
    }

    /** Whether a transform of this worker dead-lettered the record, so later transforms must pass it through. */
    public static boolean isDeadLettered(ConnectRecord<?> record) {
        return TOKEN.equals(HeaderFormat.read(record.headers().lastWithName(MARKER_HEADER)));
    }

    /** How this transform writes headers ({@link HeaderFormat#CONFIG}). */
    public HeaderFormat headerFormat() {
        return headerFormat;
    }

    /** The name errors give the transform. */
    public String name() {
        return name;
    }

    /** The dead-letter topic, or null. */
    public String topic() {
        return topic;
    }

    /**
     * The record routed to the dead-letter topic with error context headers, or, without a dead-letter topic, a thrown
     * {@link DataException} whose message names the transform, the failure (path or config key) and the record.
     */
    public <R extends ConnectRecord<R>> R fail(R record, Throwable error) {
        Origin origin = Origin.of(record);
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (topic == null) {
            throw new DataException(name + ": " + message + " (record " + origin + ")", error);
        }
        Headers headers = record.headers().duplicate();
        HeaderFormat f = headerFormat;
        f.add(headers, ORIGINAL_TOPIC_HEADER, origin.topic);
        if (origin.partition != null) {
            f.add(headers, ORIGINAL_PARTITION_HEADER, origin.partition.toString());
        }
        if (origin.offset != null) {
            f.add(headers, ORIGINAL_OFFSET_HEADER, origin.offset.toString());
        }
        f.add(headers, STAGE_HEADER, STAGE);
        f.add(headers, CLASS_HEADER, className);
        f.add(headers, TRANSFORM_ALIAS_HEADER, name);
        f.add(headers, EXCEPTION_CLASS_HEADER, error.getClass().getName());
        f.add(headers, EXCEPTION_MESSAGE_HEADER, name + ": " + message);
        f.add(headers, MARKER_HEADER, TOKEN);
        return record.newRecord(topic, null, record.keySchema(), record.key(), record.valueSchema(), record.value(),
                record.timestamp(), headers);
    }

    /** Where a record came from: the upstream coordinates for MirrorMaker, the original ones for a sink record. */
    public static final class Origin {
        public final String topic;
        public final Integer partition;
        public final Long offset;

        private Origin(String topic, Integer partition, Long offset) {
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
        }

        public static Origin of(ConnectRecord<?> record) {
            if (record instanceof SourceRecord) {
                SourceRecord r = (SourceRecord) record;
                Map<String, ?> sp = r.sourcePartition();
                Map<String, ?> so = r.sourceOffset();
                if (sp != null && sp.get(MIRROR_TOPIC_KEY) instanceof String && sp.get(MIRROR_PARTITION_KEY) instanceof Number) {
                    Object offset = so == null ? null : so.get(MIRROR_OFFSET_KEY);
                    return new Origin((String) sp.get(MIRROR_TOPIC_KEY), ((Number) sp.get(MIRROR_PARTITION_KEY)).intValue(),
                            offset instanceof Number ? ((Number) offset).longValue() : null);
                }
            } else if (record instanceof SinkRecord) {
                SinkRecord r = (SinkRecord) record;
                return new Origin(r.originalTopic(), r.originalKafkaPartition(), r.originalKafkaOffset());
            }
            return new Origin(record.topic(), record.kafkaPartition(), null);
        }

        @Override
        public String toString() {
            return topic + "-" + (partition == null ? "?" : partition) + "@" + (offset == null ? "?" : offset);
        }
    }
}
