package io.oddsupdate.connect.clickhouse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Decides the batch: the encoded rows waiting for the next INSERT, per topic partition in offset order, and when they
 * must go (row count, bytes, age of the oldest row). Its rows leave in a fixed order (partitions by topic and number,
 * rows by offset), so the same records always make the same request body.
 */
final class Batch {

    /** One encoded row and the record it came from (for the dead-letter queue and the offset commit). */
    record Row(TopicPartition partition, SinkRecord record, byte[] line) {
        long offset() {
            return record.originalKafkaOffset();
        }
    }

    static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Map<TopicPartition, List<Row>> partitions = new TreeMap<>(ORDER);
    private int rows;
    private long bytes;
    private long openedAtMs = -1;

    void add(TopicPartition tp, SinkRecord record, byte[] line, long nowMs) {
        partitions.computeIfAbsent(tp, t -> new ArrayList<>()).add(new Row(tp, record, line));
        rows++;
        bytes += line.length;
        if (openedAtMs < 0) {
            openedAtMs = nowMs;
        }
    }

    boolean isEmpty() {
        return rows == 0;
    }

    int rows() {
        return rows;
    }

    boolean full(int maxRows, long maxBytes) {
        return rows >= maxRows || bytes >= maxBytes;
    }

    /** Milliseconds until the oldest row has waited {@code maxWaitMs} (0 or less: due now). */
    long dueInMs(long nowMs, long maxWaitMs) {
        return isEmpty() ? Long.MAX_VALUE : openedAtMs + maxWaitMs - nowMs;
    }

    /** The offset of the partition's first row here, or null when it has none. */
    Long firstOffset(TopicPartition tp) {
        List<Row> r = partitions.get(tp);
        return r == null ? null : r.get(0).offset();
    }

    /** Forgets a partition's rows (revoked: its next owner replays them from the committed offset). */
    void drop(TopicPartition tp) {
        List<Row> r = partitions.remove(tp);
        if (r != null) {
            rows -= r.size();
            for (Row row : r) {
                bytes -= row.line().length;
            }
            if (rows == 0) {
                openedAtMs = -1;
            }
        }
    }

    /** The rows in request order. */
    List<Row> rowsInOrder() {
        List<Row> all = new ArrayList<>(rows);
        partitions.values().forEach(all::addAll);
        return all;
    }
}
