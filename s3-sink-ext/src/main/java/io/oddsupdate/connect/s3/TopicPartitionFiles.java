package io.oddsupdate.connect.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.common.Signals;

/**
 * The open files of one Kafka topic partition and the offset it may commit.
 *
 * <p>All files of the partition are closed together (as Confluent's sink does): afterwards no file spans the boundary,
 * so the committable offset is a point a replay restarts from cleanly. After a close, the next close waits until the
 * task has handed the boundary to Connect in {@code preCommit} ({@link #committed()}): at most one completed but
 * uncommitted boundary exists, and a replay after a crash rewrites exactly the objects written since the last commit,
 * under the same names, whatever triggered the close.
 */
final class TopicPartitionFiles {

    /**
     * How files are made and completed; one per task. {@code uploads} null: completions run on the task thread.
     * {@code committed} counts the objects that became visible.
     */
    record Factory(SinkSettings settings, S3ObjectUpload.Target target, ParquetCodecs codecs, ExecutorService uploads,
                   Signals.Counter committed) {
    }

    /** One Parquet file being written. */
    static final class OpenFile {
        final long startOffset;
        final S3ObjectUpload upload;
        final ParquetWriter<GenericRecord> writer;
        long records;

        OpenFile(long startOffset, S3ObjectUpload upload, ParquetWriter<GenericRecord> writer) {
            this.startOffset = startOffset;
            this.upload = upload;
            this.writer = writer;
        }

        long bufferedBytes() {
            // Rows of the open row group plus the encoded bytes not yet uploaded.
            return Math.max(0, writer.getDataSize() - upload.position()) + upload.bufferedBytes();
        }
    }

    private final TopicPartition tp;
    private final Factory factory;
    private final Map<String, OpenFile> open = new LinkedHashMap<>();
    private final List<OpenFile> closing = new ArrayList<>();
    /** The completion of {@code closing} in flight, if any. */
    private Future<?> completion;
    private long nextOffset = -1;
    /** The last record's file: consecutive records of a partition nearly always share it, so it is rendered once. */
    private String lastLeague;
    private long lastHour = Long.MIN_VALUE;
    private String lastFile;
    private boolean awaitingCommit;
    private long firstRecordTime = Long.MAX_VALUE;
    private long openedAt = Long.MAX_VALUE;
    /** When this task was given the partition: its objects carry it, and a newer owner's objects are never replaced. */
    private final long writerEpoch;
    /** A newer owner wrote one of this partition's objects: this task lost the partition and writes nothing more. */
    private boolean lost;

    TopicPartitionFiles(TopicPartition tp, Factory factory) {
        this.tp = tp;
        this.factory = factory;
        this.writerEpoch = System.currentTimeMillis();
    }

    /** Whether a newer owner of the partition superseded this task ({@link S3ObjectUpload.SupersededException}). */
    boolean lost() {
        return lost;
    }

    TopicPartition topicPartition() {
        return tp;
    }

    /** Whether the record at this offset is already in a file (Connect redelivers a batch after a retriable failure). */
    boolean alreadyWritten(long offset) {
        return nextOffset >= 0 && offset < nextOffset;
    }

    /** A record that is not written (dead-lettered): nothing holds it, so the committable offset may pass it. */
    void skip(long offset) {
        nextOffset = offset + 1;
    }

    /** The file of a record of this partition (its key without the start offset). */
    String fileFor(PathTemplate template, String league, long recordTime) {
        long hour = Math.floorDiv(recordTime, PathTemplate.FINEST_UNIT_MS);
        if (hour != lastHour || !league.equals(lastLeague)) {
            lastFile = template.fileOf(league, recordTime, tp.topic(), tp.partition());
            lastLeague = league;
            lastHour = hour;
        }
        return lastFile;
    }

    boolean hasFile(String file) {
        return open.containsKey(file);
    }

    int openFiles() {
        return open.size();
    }

    boolean canClose() {
        return !awaitingCommit && closing.isEmpty() && !open.isEmpty();
    }

    boolean spanExceeded(long recordTime, long spanMs) {
        return spanMs >= 0 && !open.isEmpty() && recordTime - firstRecordTime >= spanMs;
    }

    boolean ageExceeded(long now, long ageMs) {
        return ageMs >= 0 && !open.isEmpty() && now - openedAt >= ageMs;
    }

    /** Whether any open file holds flush.size records: a close that had to wait for the previous commit is due. */
    boolean countReached(int flushSize) {
        for (OpenFile f : open.values()) {
            if (f.records >= flushSize) {
                return true;
            }
        }
        return false;
    }

    boolean countReached(String file, int flushSize) {
        OpenFile f = open.get(file);
        return f != null && f.records >= flushSize;
    }

    long bufferedBytes() {
        long sum = 0;
        for (OpenFile f : closing) {
            sum += f.upload.bufferedBytes();
        }
        for (OpenFile f : open.values()) {
            sum += f.bufferedBytes();
        }
        return sum;
    }

    void write(String file, String key, GenericRecord row, long offset, long recordTime, long now) {
        OpenFile f = open.get(file);
        if (f == null) {
            S3ObjectUpload upload = new S3ObjectUpload(factory.target(), key, writerEpoch);
            f = new OpenFile(offset, upload, newWriter(upload));
            open.put(file, f);
            firstRecordTime = Math.min(firstRecordTime, recordTime);
            openedAt = Math.min(openedAt, now);
        }
        try {
            f.writer.write(row);
        } catch (IOException e) {
            // Writes only touch memory (S3ObjectUpload buffers); an IOException here is a bug, not an S3 failure.
            throw new UncheckedIOException("cannot encode a row of " + key, e);
        }
        f.records++;
        nextOffset = offset + 1;
        if (f.upload.partReady()) {
            f.upload.uploadPart();
        }
    }

    /**
     * Closes every open file and makes each object visible; returns false (and does nothing) while the previous close
     * waits for its offset commit. On an S3 failure the sealed files stay pending: {@link #completePending()} retries.
     */
    boolean close() {
        if (!canClose()) {
            return false;
        }
        for (OpenFile f : open.values()) {
            try {
                f.writer.close(); // writes the footer into memory: no I/O
            } catch (IOException e) {
                throw new UncheckedIOException("cannot finish Parquet file " + f.upload.key(), e);
            }
            closing.add(f);
        }
        open.clear();
        firstRecordTime = Long.MAX_VALUE;
        openedAt = Long.MAX_VALUE;
        completePending();
        return true;
    }

    /**
     * Drives the completion of the closed files: starts it (again, after a failure) on the upload executor, or notes its
     * end. Never waits. Returns true when the files just became visible; throws the S3 failure of a finished attempt
     * (the files stay pending and the next call retries them).
     */
    boolean completePending() {
        if (closing.isEmpty()) {
            return false;
        }
        if (completion == null) {
            List<OpenFile> batch = List.copyOf(closing);
            FutureTask<Void> task = new FutureTask<>(() -> {
                for (OpenFile f : batch) {
                    f.upload.complete();
                }
                return null;
            });
            completion = task;
            if (factory.uploads() == null) {
                task.run();
            } else {
                factory.uploads().execute(task);
            }
        }
        if (!completion.isDone()) {
            return false;
        }
        Future<?> done = completion;
        completion = null;
        try {
            done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof S3ObjectUpload.SupersededException superseded) {
                // a zombie: the partition's new owner replays these records into its own objects; drop ours
                LoggerFactory.getLogger(TopicPartitionFiles.class).warn("{}; discarding the files of {}", superseded.getMessage(), tp);
                lost = true;
                abort();
                return false;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        factory.committed().add(closing.size());
        closing.clear();
        awaitingCommit = true;
        return true;
    }

    /** No file open or completing: every record handed to the task is in a complete object, or was skipped. */
    boolean holdsNothing() {
        return open.isEmpty() && closing.isEmpty();
    }

    boolean hasPending() {
        return !closing.isEmpty();
    }

    /**
     * The offset Connect may commit: the first offset of the earliest file not yet complete, else the next offset.
     * Null before the first record.
     */
    Long committableOffset() {
        if (lost) {
            return null;
        }
        long min = Long.MAX_VALUE;
        for (OpenFile f : closing) {
            min = Math.min(min, f.startOffset);
        }
        for (OpenFile f : open.values()) {
            min = Math.min(min, f.startOffset);
        }
        if (min != Long.MAX_VALUE) {
            return min;
        }
        return nextOffset < 0 ? null : nextOffset;
    }

    /** The boundary returned by {@link #committableOffset()} was handed to Connect; the next close may proceed. */
    void committed() {
        if (closing.isEmpty()) {
            awaitingCommit = false;
        }
    }

    /** Discards every unfinished file (partition revoked or task stopped): a replay rewrites them. */
    void abort() {
        if (completion != null) {
            try {
                completion.get(); // let an upload in flight end: its object may become visible, its offsets are not committed
            } catch (ExecutionException | RuntimeException ignored) {
                // aborted below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            completion = null;
        }
        for (OpenFile f : open.values()) {
            try {
                f.writer.close();
            } catch (IOException | RuntimeException ignored) {
                // memory only
            }
            f.upload.abort();
        }
        for (OpenFile f : closing) {
            f.upload.abort();
        }
        open.clear();
        closing.clear();
    }

    private ParquetWriter<GenericRecord> newWriter(S3ObjectUpload upload) {
        SinkSettings s = factory.settings();
        try {
            return AvroParquetWriter.<GenericRecord>builder(upload)
                    .withSchema(s.schema)
                    .withDataModel(GenericData.get())
                    .withConf(new PlainParquetConfiguration())
                    .withCodecFactory(factory.codecs())
                    .withCompressionCodec(ParquetCodecs.codec(s.getString(S3ParquetSinkConnector.COMPRESSION)))
                    .withRowGroupSize(s.getLong(S3ParquetSinkConnector.ROW_GROUP_BYTES))
                    .withPageSize(s.getInt(S3ParquetSinkConnector.PAGE_BYTES))
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Parquet file " + upload.key(), e);
        }
    }
}
