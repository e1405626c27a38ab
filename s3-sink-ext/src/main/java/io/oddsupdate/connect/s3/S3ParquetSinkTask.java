package io.oddsupdate.connect.s3;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;

/**
 * The task of {@link S3ParquetSinkConnector}: decides each record's file (league, UTC date and hour, topic partition),
 * appends it, closes files on the rotation triggers and bounds, and reports as committable only offsets whose records
 * are in complete objects.
 */
public class S3ParquetSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(S3ParquetSinkTask.class);
    private static final Pattern LEAGUE = Pattern.compile("[A-Za-z0-9_-]+");
    /** Records between two checks of the buffered bytes: summing them costs a walk over every open file. */
    static final int MEMORY_CHECK_EVERY = 128;
    private static final long REDELIVERY_BACKOFF_MS = 1000;
    /** The JMX type and log name of this plugin's signals. */
    static final String SIGNALS = "s3-sink";
    // dead-letter reasons (the signals' reason tag)
    static final String TOMBSTONE = "tombstone";
    static final String SCHEMA = "schema";
    static final String NO_LEAGUE = "no-league";
    static final String NO_TIME = "no-time";

    private SinkSettings settings;
    private S3Client s3;
    private ExecutorService uploads;
    private TopicPartitionFiles.Factory factory;
    private BronzeRecordConverter converter;
    private ErrantRecordReporter dlq;
    private Signals signals;
    private Signals.Counters deadLetters;
    private final Map<TopicPartition, TopicPartitionFiles> partitions = new HashMap<>();
    private int sinceMemoryCheck;

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        settings = new SinkSettings(props);
        s3 = settings.s3Client();
        int threads = settings.getInt(S3ParquetSinkConnector.UPLOAD_THREADS);
        uploads = threads == 0 ? null : Executors.newFixedThreadPool(threads, r -> {
            // named after the connector, like Connect's own task and client threads, to tell whose CPU it is
            Thread t = new Thread(r, "s3-parquet-sink-upload | " + props.getOrDefault("name", "unnamed"));
            t.setDaemon(true);
            return t;
        });
        signals = Signals.forTask(SIGNALS, props, settings.getLong(Signals.LOG_INTERVAL_CONFIG));
        deadLetters = signals.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "Records sent to the dead-letter queue, by reason");
        factory = new TopicPartitionFiles.Factory(settings, settings.target(s3), settings.codecs(), uploads,
                signals.counter(Signals.OBJECTS_COMMITTED, "Parquet objects made visible in S3 (complete, committable)"));
        converter = new BronzeRecordConverter(settings.schema);
        try {
            dlq = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            dlq = null; // a worker older than Kafka 2.6: bad records fail the task instead
        }
        log.info("S3ParquetSinkConnector task writing {} to s3://{}/{}", settings.schema.getFullName(), settings.bucket, settings.pathTemplate);
    }

    @Override
    public void open(Collection<TopicPartition> assigned) {
        for (TopicPartition tp : assigned) {
            partitions.computeIfAbsent(tp, t -> new TopicPartitionFiles(t, factory));
        }
    }

    @Override
    public void close(Collection<TopicPartition> revoked) {
        // Unfinished files are discarded, not completed: their offsets were never committed, so the partition's next
        // owner replays them into objects of the same names.
        for (TopicPartition tp : revoked) {
            TopicPartitionFiles files = partitions.remove(tp);
            if (files != null) {
                files.abort();
            }
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        long now = System.currentTimeMillis();
        for (TopicPartitionFiles files : partitions.values()) {
            if (s3(() -> "complete the files of " + files.topicPartition(), files::completePending)) {
                context.requestCommit();
            }
        }
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            TopicPartitionFiles files = partitions.computeIfAbsent(tp, t -> new TopicPartitionFiles(t, factory));
            long offset = record.originalKafkaOffset();
            if (files.alreadyWritten(offset) || files.lost()) {
                continue; // lost: a newer owner has the partition, and Connect revokes it from this task at its next poll
            }
            GenericRecord row;
            String league;
            long time;
            String step = record.value() == null ? TOMBSTONE : SCHEMA; // what failed, if something does
            try {
                row = converter.convert(record);
                step = NO_LEAGUE;
                league = league(record);
                step = NO_TIME;
                time = partitionTime(record, row);
            } catch (DataException e) {
                deadLetter(record, e, step);
                files.skip(offset);
                continue;
            }
            if (files.spanExceeded(time, settings.rotateIntervalMs)) {
                close(files, "record-time span");
            }
            String file = files.fileFor(settings.pathTemplate, league, time);
            String key = null;
            if (!files.hasFile(file)) {
                makeRoomForFile();
                key = settings.pathTemplate.render(league, time, tp.topic(), tp.partition(), offset);
            }
            String newKey = key;
            s3(() -> "write to " + file, () -> files.write(file, newKey, row, offset, time, now));
            if (files.countReached(file, settings.flushSize)) {
                close(files, "flush.size");
            }
            if (++sinceMemoryCheck >= MEMORY_CHECK_EVERY) {
                sinceMemoryCheck = 0;
                boundMemory();
            }
        }
        for (TopicPartitionFiles files : partitions.values()) {
            if (files.ageExceeded(now, settings.rotateScheduleIntervalMs)) {
                close(files, "rotate.schedule.interval.ms");
            } else if (files.countReached(settings.flushSize)) {
                close(files, "flush.size, after waiting for the offset commit");
            }
        }
        boundMemory();
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartitionFiles files : partitions.values()) {
            try {
                files.completePending(); // note uploads that finished since the last put
            } catch (RuntimeException e) {
                log.debug("S3ParquetSinkConnector: completing the files of {} failed; put retries it", files.topicPartition(), e);
            }
            Long offset = files.committableOffset();
            // Records the worker consumed but never handed to put (its converter or a transform dead-lettered them) are
            // in no file: once every file of the partition is complete, the commit may pass them. Otherwise a poison
            // record at the end of a partition would hold its offset back (lag that never drains, a replay of it).
            OffsetAndMetadata consumed = currentOffsets.get(files.topicPartition());
            if (consumed != null && files.holdsNothing() && (offset == null || consumed.offset() > offset)) {
                offset = consumed.offset();
            }
            if (offset != null) {
                commit.put(files.topicPartition(), new OffsetAndMetadata(offset));
            }
            files.committed();
        }
        return commit;
    }

    @Override
    public void stop() {
        for (TopicPartitionFiles files : partitions.values()) {
            files.abort();
        }
        partitions.clear();
        if (uploads != null) {
            uploads.shutdownNow();
        }
        if (s3 != null) {
            s3.close();
        }
        if (signals != null) {
            signals.close();
            signals = null;
        }
    }

    private void close(TopicPartitionFiles files, String trigger) {
        boolean closed = s3(() -> "close the files of " + files.topicPartition(), files::close);
        if (closed) {
            log.debug("Closed the files of {} ({})", files.topicPartition(), trigger);
            context.requestCommit();
        }
    }

    /** max.open.files: a new file first closes the files of the partition holding most bytes. */
    private void makeRoomForFile() {
        while (openFiles() >= settings.maxOpenFiles) {
            evict("max.open.files=" + settings.maxOpenFiles);
        }
    }

    /** max.buffered.bytes: above it, close the files of the partition holding most bytes until below. */
    private void boundMemory() {
        long total = 0;
        for (TopicPartitionFiles files : partitions.values()) {
            total += files.bufferedBytes();
        }
        while (total > settings.maxBufferedBytes) {
            total -= evict("max.buffered.bytes=" + settings.maxBufferedBytes);
        }
    }

    private long evict(String bound) {
        TopicPartitionFiles victim = null;
        long most = -1;
        for (TopicPartitionFiles files : partitions.values()) {
            if (files.canClose()) {
                long bytes = files.bufferedBytes();
                if (bytes > most) {
                    most = bytes;
                    victim = files;
                }
            }
        }
        if (victim == null) {
            // Every partition's last close awaits its offset commit: hand the batch back; Connect commits, then redelivers
            // it, and the records already written are skipped.
            context.requestCommit();
            context.timeout(REDELIVERY_BACKOFF_MS);
            throw new RetriableException("S3ParquetSinkConnector: " + bound + " reached and every partition waits for its offset "
                    + "commit; the batch will be redelivered");
        }
        close(victim, bound);
        return most;
    }

    private int openFiles() {
        int n = 0;
        for (TopicPartitionFiles files : partitions.values()) {
            n += files.openFiles();
        }
        return n;
    }

    private String league(SinkRecord record) {
        Header header = record.headers().lastWithName(settings.leagueHeader);
        String league = null;
        if (header != null && header.value() != null) {
            Object v = header.value();
            league = v instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : v.toString();
        } else {
            Matcher m = settings.leagueTopicRegex.matcher(record.topic());
            if (m.matches() && m.group(1) != null) {
                league = m.group(1);
            }
        }
        if (league == null) {
            throw new DataException("no league: no '" + settings.leagueHeader + "' header and topic '" + record.topic()
                    + "' does not match " + S3ParquetSinkConnector.LEAGUE_TOPIC_REGEX + "=" + settings.leagueTopicRegex);
        }
        if (!LEAGUE.matcher(league).matches()) {
            throw new DataException("league '" + league + "' is not a safe path segment ([A-Za-z0-9_-]+)");
        }
        return league;
    }

    private long partitionTime(SinkRecord record, GenericRecord row) {
        Object t = settings.timestampFromField ? row.get(settings.timestampField) : record.timestamp();
        if (t == null) {
            throw new DataException("no partition time: " + (settings.timestampFromField
                    ? "field '" + settings.timestampField + "' is null" : "the record has no Kafka timestamp"));
        }
        return (Long) t;
    }

    private void deadLetter(SinkRecord record, DataException reason, String signalReason) {
        DataException e = new DataException("S3ParquetSinkConnector: record " + record.originalTopic() + "-"
                + record.originalKafkaPartition() + "@" + record.originalKafkaOffset() + " does not fit the bronze schema "
                + settings.schema.getFullName() + ": " + reason.getMessage());
        if (dlq == null) {
            throw e;
        }
        log.debug("Dead-lettering: {}", e.getMessage());
        dlq.report(record, e);
        deadLetters.get(signalReason).increment();
    }

    private <T> T s3(Supplier<String> what, Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            String message = "S3ParquetSinkConnector: cannot " + what.get() + " in s3://" + settings.bucket + ": " + e.getMessage();
            if (e instanceof S3Exception s3e && s3e.statusCode() >= 400 && s3e.statusCode() < 500
                    && s3e.statusCode() != 408 && s3e.statusCode() != 429) {
                // Access denied, no such bucket, bad KMS key: retrying will not help; offsets stay uncommitted.
                throw new ConnectException(message, e);
            }
            context.timeout(REDELIVERY_BACKOFF_MS);
            throw new RetriableException(message + " (retries exhausted; the batch will be redelivered)", e);
        }
    }

    private void s3(Supplier<String> what, Runnable action) {
        s3(what, () -> {
            action.run();
            return null;
        });
    }
}
