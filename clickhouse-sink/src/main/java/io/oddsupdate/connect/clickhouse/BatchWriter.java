package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.clickhouse.ClickHouseException.Kind;

/**
 * Commits a batch: one INSERT of its rows, acknowledged as a whole. When the server rejects the data, the batch is
 * halved until the rows it rejects are alone, and those are returned with the server's reason (for the dead-letter
 * queue); every other failure is thrown for the task to retry or stop on. Thread-safe: it keeps no state of its own.
 */
final class BatchWriter {

    /** A row the server rejected, and why. */
    record Rejected(SinkRecord record, String reason) {
    }

    private final ClickHouseHttp http;
    private final Table table;
    private final boolean sendToken;
    private final Consumer<List<Batch.Row>> acknowledged;

    /** {@code acknowledged} is given the rows of each INSERT ClickHouse acknowledged, on the thread that sent it. */
    BatchWriter(ClickHouseHttp http, Table table, boolean sendToken, Consumer<List<Batch.Row>> acknowledged) {
        this.http = http;
        this.table = table;
        this.sendToken = sendToken;
        this.acknowledged = acknowledged;
    }

    /** Inserts the rows; returns those the server rejected (the others are in the table). */
    List<Rejected> write(List<Batch.Row> rows) {
        List<Rejected> rejected = new ArrayList<>(0);
        write(rows, rejected);
        return rejected;
    }

    private void write(List<Batch.Row> rows, List<Rejected> rejected) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            http.insert(table.insert, rows, sendToken ? token(rows) : null, "insert " + rows.size() + " rows ("
                    + ranges(rows) + ") into " + table.qualifiedName());
            acknowledged.accept(rows);
        } catch (ClickHouseException e) {
            if (e.kind != Kind.DATA) {
                throw e;
            }
            if (rows.size() == 1) {
                rejected.add(new Rejected(rows.get(0).record(), "ClickHouse rejected the row: " + e.getMessage()));
                return;
            }
            int half = rows.size() / 2;
            write(rows.subList(0, half), rejected);
            write(rows.subList(half, rows.size()), rejected);
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
