package io.oddsupdate.connect.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

import io.oddsupdate.connect.common.CrossKeyValidation;
import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;

/**
 * Writes odds updates ({@code com.example.odds.OddsUpdate}) to S3 as Parquet, one object per file, laid out
 * {@code {prefix}/league={league}/dt={YYYY-MM-DD}/hour={HH}/{topic}+{partition}+{startOffset}.parquet}.
 *
 * <p>Exactly once: a file's name is fixed by its first record's offset; offsets are committed only after the object is
 * complete (a PUT, or a finished multipart upload), so a restarted task replays from the first record of an unfinished
 * file and rewrites the same objects; no partial object is ever visible. Records that do not fit the bronze schema go to
 * the sink's dead-letter queue with the reason. See {@code docs/config/S3ParquetSinkConnector.md} and the README.
 */
public class S3ParquetSinkConnector extends SinkConnector {

    public static final String OVERVIEW = "Bronze sink: odds updates as Parquet on S3, one object per file, laid out by "
            + "`path.template` (league from the `league` header or the topic, date and hour in UTC from `event_ts` or the "
            + "Kafka timestamp). Exactly once: object names come from the first offset of each file and offsets are committed "
            + "only after the object is complete (single PUT or finished multipart upload), so a restarted task rewrites the "
            + "same objects and no partial object is ever visible. Every file of a topic partition is closed together "
            + "(record count, record-time span, wall-clock interval, or a bound below); after a close the partition's next close "
            + "waits for the offset commit, so at most one uncommitted boundary exists per partition. Records that do not fit "
            + "the bronze schema (tombstones, missing or mistyped fields, no league) go to the sink dead-letter queue "
            + "(`errors.tolerance=all`, `errors.deadletterqueue.topic.name`) with the reason.";

    public static final String BUCKET = "s3.bucket";
    public static final String PREFIX = "s3.prefix";
    public static final String REGION = "s3.region";
    public static final String ENDPOINT = "s3.endpoint";
    public static final String PATH_STYLE = "s3.path.style.access";
    public static final String SSE = "s3.sse";
    public static final String SSE_KMS_KEY_ID = "s3.sse.kms.key.id";
    public static final String ACCESS_KEY_ID = "s3.access.key.id";
    public static final String SECRET_ACCESS_KEY = "s3.secret.access.key";
    public static final String PART_SIZE = "s3.part.size.bytes";
    public static final String RETRY_MAX_ATTEMPTS = "s3.retry.max.attempts";
    public static final String RETRY_BACKOFF_MS = "s3.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "s3.retry.backoff.max.ms";
    public static final String REQUEST_TIMEOUT_MS = "s3.request.timeout.ms";
    public static final String UPLOAD_THREADS = "s3.upload.threads";
    public static final String CONDITIONAL_WRITES = "s3.conditional.writes";

    public static final String PATH_TEMPLATE = "path.template";
    public static final String LEAGUE_HEADER = "league.header";
    public static final String LEAGUE_TOPIC_REGEX = "league.topic.regex";
    public static final String TIMESTAMP_SOURCE = "partition.timestamp.source";
    public static final String TIMESTAMP_FIELD = "partition.timestamp.field";

    public static final String SCHEMA_VERSION = "schema.version";
    public static final String COMPRESSION = "parquet.compression";
    public static final String ZSTD_LEVEL = "parquet.zstd.level";
    public static final String ROW_GROUP_BYTES = "parquet.row.group.bytes";
    public static final String PAGE_BYTES = "parquet.page.bytes";

    public static final String FLUSH_SIZE = "flush.size";
    public static final String ROTATE_INTERVAL_MS = "rotate.interval.ms";
    public static final String ROTATE_SCHEDULE_INTERVAL_MS = "rotate.schedule.interval.ms";
    public static final String MAX_OPEN_FILES = "max.open.files";
    public static final String MAX_BUFFERED_BYTES = "max.buffered.bytes";

    static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    public static final ConfigDef CONFIG_DEF = Signals.define(new ConfigDef()
            .define(BUCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "S3 bucket the Parquet objects are written to.")
            .define(PREFIX, Type.STRING, "bronze/odds_updates", Importance.HIGH,
                    "Key prefix, the `{prefix}` of `path.template` (leading and trailing slashes are ignored; may be empty).")
            .define(REGION, Type.STRING, "", Importance.HIGH,
                    "AWS region of the bucket. Empty: the SDK's default region chain (AWS_REGION, profile, instance metadata).")
            .define(ENDPOINT, Type.STRING, "", Importance.LOW,
                    "Endpoint override for S3-compatible stores or VPC endpoints, e.g. `http://127.0.0.1:9000`. Empty: AWS S3.")
            .define(PATH_STYLE, Type.BOOLEAN, false, Importance.LOW,
                    "Path-style access (`endpoint/bucket/key`) instead of virtual-hosted style; most S3-compatible stores need it.")
            .define(SSE, Type.STRING, "none", ValidString.in("none", "AES256", "aws:kms"), Importance.MEDIUM,
                    "Server-side encryption of new objects: `none` (the bucket default applies), `AES256` (SSE-S3) or `aws:kms` (SSE-KMS).")
            .define(SSE_KMS_KEY_ID, Type.STRING, "", Importance.MEDIUM,
                    "KMS key id or ARN for `s3.sse=aws:kms`. Empty: the account's AWS-managed key for S3.")
            .define(ACCESS_KEY_ID, Type.STRING, "", Importance.LOW,
                    "Static access key id, for local stores and tests only. Empty: the default AWS credential chain "
                            + "(on MSK Connect, the connector's service execution role).")
            .define(SECRET_ACCESS_KEY, Type.PASSWORD, null, Importance.LOW,
                    "Static secret access key going with `s3.access.key.id`.")
            .define(PART_SIZE, Type.LONG, 8L * 1024 * 1024, Range.atLeast(MIN_PART_SIZE), Importance.LOW,
                    "Multipart upload part size. A file's bytes are uploaded in parts of at least this size as Parquet flushes "
                            + "row groups; a file smaller than one part is uploaded with a single PUT when it is closed.")
            .define(RETRY_MAX_ATTEMPTS, Type.INT, 10, Range.atLeast(1), Importance.LOW,
                    "Attempts per S3 request (throttling, 5xx, connection errors) before the batch is handed back to Connect "
                            + "as retriable; Connect then redelivers it, so an S3 outage pauses the task without losing records.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 200L, Range.atLeast(1), Importance.LOW,
                    "Base delay of the exponential backoff (with jitter) between attempts.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 20_000L, Range.atLeast(1), Importance.LOW,
                    "Largest delay between attempts.")
            .define(REQUEST_TIMEOUT_MS, Type.LONG, 60_000L, Range.atLeast(1000), Importance.LOW,
                    "Timeout of one S3 request attempt (connect and read).")
            .define(CONDITIONAL_WRITES, Type.BOOLEAN, true, Importance.LOW,
                    "Fences tasks that lost their partitions. Each object carries its writer's epoch (when its task was given the "
                            + "partition); before completing an object the task reads the current one and writes only if no newer "
                            + "owner wrote it, conditionally on what it read (If-None-Match / If-Match), so a task frozen past its "
                            + "consumer session timeout cannot replace what the partition's new owner wrote. Needs s3:GetObject on "
                            + "the prefix and a store with conditional writes (Amazon S3 has them); false writes unconditionally.")
            .define(UPLOAD_THREADS, Type.INT, 2, Range.between(0, 32), Importance.LOW,
                    "Threads per task completing closed files (final part or PUT, then CompleteMultipartUpload) while the task "
                            + "goes on encoding; their offsets are committed once the objects are complete. 0: on the task thread.")

            .define(PATH_TEMPLATE, Type.STRING, PathTemplate.DEFAULT, Importance.MEDIUM,
                    "Object key of a file. Placeholders: {prefix} {league} {topic} {partition} {startOffset} (zero-padded to 10 "
                            + "digits) {YYYY-MM-DD} {YYYY} {MM} {DD} {HH} (UTC). Must contain {topic}, {partition} and {startOffset}.")
            .define(LEAGUE_HEADER, Type.STRING, "league", Importance.MEDIUM,
                    "Record header holding the league (the `league=` directory).")
            .define(LEAGUE_TOPIC_REGEX, Type.STRING, "^odds\\.updates\\.internal\\.([^.]+)$", Importance.MEDIUM,
                    "When the header is absent: a regex on the topic whose first group is the league. A record with neither "
                            + "goes to the dead-letter queue. Leagues must match [A-Za-z0-9_-]+.")
            .define(TIMESTAMP_SOURCE, Type.STRING, "field", ValidString.in("field", "kafka"), Importance.MEDIUM,
                    "Where dt/hour come from: `field` (the value's `partition.timestamp.field`) or `kafka` (the record timestamp).")
            .define(TIMESTAMP_FIELD, Type.STRING, "event_ts", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Timestamp field of the bronze record used when `partition.timestamp.source=field`.")

            .define(SCHEMA_VERSION, Type.STRING, "latest", Importance.MEDIUM,
                    "Bronze schema written: `latest` (the newest `schemas/odds-update-internal/vN.avsc` shipped) or `v1`, `v2`, ...")
            .define(COMPRESSION, Type.STRING, "zstd", ValidString.in(ParquetCodecs.SUPPORTED), Importance.MEDIUM,
                    "Parquet page compression.")
            .define(ZSTD_LEVEL, Type.INT, 3, Range.between(1, 19), Importance.LOW, "zstd level.")
            .define(ROW_GROUP_BYTES, Type.LONG, 16L * 1024 * 1024, Range.atLeast(64 * 1024), Importance.LOW,
                    "Parquet row group size: the most a file buffers before its rows are encoded into the upload buffer.")
            .define(PAGE_BYTES, Type.INT, 1024 * 1024, Range.atLeast(4 * 1024), Importance.LOW, "Parquet page size.")

            .define(FLUSH_SIZE, Type.INT, 50_000, Range.atLeast(1), Importance.HIGH,
                    "Records per file: when a file holds this many, every file of its topic partition is closed.")
            .define(ROTATE_INTERVAL_MS, Type.LONG, 3_600_000L, Range.atLeast(-1), Importance.HIGH,
                    "Record-time span of a partition's open files (by `partition.timestamp.source`): a record this much later "
                            + "than the earliest open file's first record closes them first. -1 disables.")
            .define(ROTATE_SCHEDULE_INTERVAL_MS, Type.LONG, 600_000L, Range.atLeast(-1), Importance.HIGH,
                    "Wall-clock age after which a partition's open files are closed, so quiet partitions still reach S3. -1 disables.")
            .define(MAX_OPEN_FILES, Type.INT, 64, Range.atLeast(1), Importance.MEDIUM,
                    "Most open files per task. At the bound, a new file first closes the files of the partition holding most "
                            + "buffered bytes; if every partition is waiting for its offset commit, the batch is handed back to Connect "
                            + "(retriable) and redelivered after the commit.")
            .define(MAX_BUFFERED_BYTES, Type.LONG, 128L * 1024 * 1024, Range.atLeast(1024 * 1024), Importance.MEDIUM,
                    "Most bytes a task buffers (open row groups plus not yet uploaded parts), checked every 128 records. Above "
                            + "it, the files of the partition holding most bytes are closed, same as `max.open.files`."));

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new SinkSettings(props); // fail fast on a bad config, with the key named
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return S3ParquetSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    /** Adds the checks across keys (template, regex, schema, SSE, keys) to the REST validation, on the key they concern. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        return CrossKeyValidation.validate(super.validate(connectorConfigs), () -> new SinkSettings(connectorConfigs));
    }
}
