package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.clickhouse.ClickHouseException.Kind;

/**
 * Commits a batch: one INSERT of its rows, acknowledged as a whole. When the server rejects the data, the batch is
 * halved until the rows it rejects are alone, and those go to the dead-letter queue with the server's reason; every other
 * failure is thrown for the task to retry or stop on.
 */
final class BatchWriter {

    private final ClickHouseHttp http;
    private final Table table;
    private final boolean sendToken;
    private final BiConsumer<SinkRecord, String> deadLetter;
    private final IntConsumer inserted;

    /** {@code inserted} is told how many rows each acknowledged INSERT held. */
    BatchWriter(ClickHouseHttp http, Table table, boolean sendToken, BiConsumer<SinkRecord, String> deadLetter, IntConsumer inserted) {
        this.http = http;
        this.table = table;
        this.sendToken = sendToken;
        this.deadLetter = deadLetter;
        this.inserted = inserted;
    }

    void write(List<Batch.Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            http.insert(table.insert, body(rows), sendToken ? token(rows) : null, "insert " + rows.size() + " rows ("
                    + ranges(rows) + ") into " + table.qualifiedName());
            inserted.accept(rows.size());
        } catch (ClickHouseException e) {
            if (e.kind != Kind.DATA) {
                throw e;
            }
            if (rows.size() == 1) {
                deadLetter.accept(rows.get(0).record(), "ClickHouse rejected the row: " + e.getMessage());
                return;
            }
            int half = rows.size() / 2;
            write(rows.subList(0, half));
            write(rows.subList(half, rows.size()));
        }
    }

    static byte[] body(List<Batch.Row> rows) {
        int size = 0;
        for (Batch.Row r : rows) {
            size += r.line().length;
        }
        byte[] body = new byte[size];
        int at = 0;
        for (Batch.Row r : rows) {
            System.arraycopy(r.line(), 0, body, at, r.line().length);
            at += r.line().length;
        }
        return body;
    }

    /** {@code topic-partition:first-last(count), ...} of the rows, which are in request order. */
    static String ranges(List<Batch.Row> rows) {
        StringBuilder sb = new StringBuilder();
        TopicPartition tp = null;
        long first = 0;
        long last = 0;
        int count = 0;
        for (Batch.Row r : rows) {
            if (!r.partition().equals(tp)) {
                if (tp != null) {
                    sb.append(sb.length() == 0 ? "" : ", ").append(tp).append(':').append(first).append('-').append(last)
                            .append('(').append(count).append(')');
                }
                tp = r.partition();
                first = r.offset();
                count = 0;
            }
            last = r.offset();
            count++;
        }
        return sb.append(sb.length() == 0 ? "" : ", ").append(tp).append(':').append(first).append('-').append(last)
                .append('(').append(count).append(')').toString();
    }

    /** The insert_deduplication_token of the rows: a hash of their ranges, the same for the same rows on every attempt. */
    static String token(List<Batch.Row> rows) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(ranges(rows).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
