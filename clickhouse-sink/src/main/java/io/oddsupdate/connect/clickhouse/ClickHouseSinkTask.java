package io.oddsupdate.connect.clickhouse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.clickhouse.ClickHouseException.Kind;
import io.oddsupdate.connect.common.Signals;

/**
 * The task of {@link ClickHouseSinkConnector}: encodes each record into a row of the table (or dead-letters it), hands
 * the batch to the {@link InsertPipeline} when it is full or due (its INSERT runs while the next batch is encoded), and
 * reports as committable only offsets below every row ClickHouse has yet to acknowledge. A batch that could not be sent
 * stays pending, ahead of the batches after it, byte for byte; Connect redelivers the records meanwhile, and those
 * already in a batch are skipped.
 */
public class ClickHouseSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseSinkTask.class);
    /** The JMX type and log name of this plugin's signals. */
    static final String SIGNALS = "clickhouse-sink";
    // dead-letter reasons (the signals' reason tag)
    static final String NOT_A_ROW = "not-a-row";
    static final String REJECTED = "rejected";

    private SinkSettings settings;
    private ClickHouseHttp http;
    private ErrantRecordReporter dlq;
    private Signals signals;
    private Signals.Counters deadLetters;
    private Signals.Counter rowsInserted;
    private Signals.Latency latency;
    /** Resolved at the first put (a server down at start is waited out like any outage). */
    private Table table;
    private RowEncoder encoder;
    /** The batches handed to ClickHouse and not yet acknowledged, in order. */
    private InsertPipeline inFlight;

    /** An INSERT failed and the failure was thrown: the next put sends the pending batches again. */
    private boolean resendNext;
    private TopicPartition lastPartition;

    private Batch open = new Batch();
    /** Per partition: the highest offset put into a batch or dead-lettered, so a redelivered record is skipped. */
    private final Map<TopicPartition, Long> seen = new HashMap<>();

    @Override
    public String version() {
        return SinkSettings.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        settings = new SinkSettings(props);
        http = new ClickHouseHttp(settings);
        signals = Signals.forTask(SIGNALS, props, settings.getLong(Signals.LOG_INTERVAL_CONFIG));
        deadLetters = signals.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "Records sent to the dead-letter queue, by reason");
        rowsInserted = signals.counter(Signals.ROWS_INSERTED, "Rows ClickHouse acknowledged");
        latency = signals.latency(Signals.LATENCY_MS, "Milliseconds from the oldest record timestamp of an acknowledged batch to its acknowledgement");
        try {
            dlq = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            dlq = null; // a worker older than Kafka 2.6: a record that does not fit fails the task instead
        }
    }

    @Override
    public void open(Collection<TopicPartition> assigned) {
        assigned.forEach(seen::remove);
    }

    @Override
    public void close(Collection<TopicPartition> revoked) {
        // Rows not yet acknowledged are dropped, not sent: their offsets were never committed, so the partition's next
        // owner replays them, into the same rows.
        for (TopicPartition tp : revoked) {
            open.drop(tp);
            seen.remove(tp);
        }
        if (inFlight != null) {
            inFlight.drop(revoked);
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (table == null) {
            describeTable();
        }
        if (resendNext) {
            resendNext = false;
            inFlight.resend(); // the failed batch and those behind it, in order, before anything new
        } else {
            reap();
        }
        long now = System.currentTimeMillis();
        for (SinkRecord record : records) {
            TopicPartition tp = partition(record);
            long offset = record.originalKafkaOffset();
            Long last = seen.get(tp);
            if (last != null && offset <= last) {
                continue; // redelivered after a retriable failure: already in a batch or dead-lettered
            }
            seen.put(tp, offset);
            byte[] row;
            try {
                row = encoder.encode(record);
            } catch (DataException e) {
                deadLetter(record, e.getMessage(), NOT_A_ROW);
                continue;
            }
            open.add(tp, record, row, now);
            if (open.full(settings.batchMaxRows, settings.batchMaxBytes)) {
                flush();
            }
        }
        if (open.dueInMs(System.currentTimeMillis(), settings.batchMaxWaitMs) <= 0) {
            flush();
        }
        long wakeInMs = open.isEmpty() ? Long.MAX_VALUE : Math.max(1, open.dueInMs(System.currentTimeMillis(), settings.batchMaxWaitMs));
        if (!inFlight.isEmpty()) {
            wakeInMs = Math.min(wakeInMs, IN_FLIGHT_CHECK_MS);
        }
        if (wakeInMs != Long.MAX_VALUE) {
            // Wake the worker when the oldest row is due, or to see how the INSERTs in flight ended, even if no record
            // arrives: its next poll returns by then and calls put with nothing, which sends the batch or reaps.
            context.timeout(wakeInMs);
        }
    }

    /** How often a task with INSERTs in flight and no records arriving looks at how they ended. */
    static final long IN_FLIGHT_CHECK_MS = 100;

    /** The record's partition; the one of the record before when it is the same (records come in runs of a partition). */
    private TopicPartition partition(SinkRecord record) {
        TopicPartition tp = lastPartition;
        if (tp == null || tp.partition() != record.originalKafkaPartition() || !tp.topic().equals(record.originalTopic())) {
            tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            lastPartition = tp;
        }
        return tp;
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (inFlight != null) {
            inFlight.reap(this::deadLetter, false); // a failure is thrown by the next put, which sends again
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : currentOffsets.entrySet()) {
            TopicPartition tp = e.getKey();
            Long pending = min(inFlight == null ? null : inFlight.firstOffset(tp), open.firstOffset(tp));
            // Below the first row not yet acknowledged everything is in ClickHouse or in the dead-letter queue (whose
            // writes the worker awaits before it commits); with no row pending, everything the worker consumed is.
            commit.put(tp, pending == null ? e.getValue() : new OffsetAndMetadata(pending));
        }
        return commit;
    }

    @Override
    public void stop() {
        open = new Batch();
        if (inFlight != null) {
            inFlight.close();
        }
        seen.clear();
        if (signals != null) {
            signals.close();
            signals = null;
        }
    }

    private void flush() {
        if (open.isEmpty()) {
            return;
        }
        try {
            inFlight.submit(open, this::deadLetter); // may wait for the oldest INSERT, and throw its failure
        } catch (ClickHouseException e) {
            resendNext = true;
            throw failure(e);
        }
        open = new Batch();
    }

    /** Takes the acknowledged batches out of the line (dead-lettering the rows the server rejected); throws a failure. */
    private void reap() {
        try {
            inFlight.reap(this::deadLetter, true);
        } catch (ClickHouseException e) {
            resendNext = true;
            throw failure(e);
        }
    }

    private void describeTable() {
        try {
            String version = http.query("SELECT version()").get(0)[0];
            List<String[]> columns = http.query("SELECT name, type, default_kind FROM system.columns WHERE database = "
                    + literal(settings.database) + " AND table = " + literal(settings.table));
            table = Table.of(settings.database, settings.table, columns, settings.mapping, settings.format);
            boolean token = "true".equals(settings.deduplicationToken)
                    || "auto".equals(settings.deduplicationToken) && hasDeduplicationToken(version);
            encoder = new RowEncoder(table);
            BatchWriter writer = new BatchWriter(http, table, token, this::acknowledged);
            inFlight = new InsertPipeline(writer::write, settings.batchMaxInFlight, "clickhouse-sink-insert-" + table.qualifiedName());
            log.info("ClickHouseSinkConnector task writing to {} on ClickHouse {} at {} ({} columns, FORMAT {}, insert_deduplication_token {})",
                    table.qualifiedName(), version, settings.url, table.columns.size(), table.format, token ? "on" : "off");
        } catch (ClickHouseException e) {
            throw failure(e);
        } catch (ConfigException e) {
            throw new ConnectException("ClickHouseSinkConnector: " + e.getMessage(), e);
        }
    }

    private RuntimeException failure(ClickHouseException e) {
        if (e.kind == Kind.RETRIABLE) {
            context.timeout(settings.retryBackoffMaxMs);
            return new RetriableException("ClickHouseSinkConnector: " + e.getMessage() + " (after " + settings.retryMaxAttempts
                    + " attempts; the records will be redelivered)", e);
        }
        return new ConnectException("ClickHouseSinkConnector: " + e.getMessage() + hint(e), e);
    }

    /** What to check for the failures an operator must fix (ClickHouse's codes for users, grants, tables, columns). */
    private static String hint(ClickHouseException e) {
        switch (e.code) {
            case 192: case 193: case 194: case 516:
                return " (check " + ClickHouseSinkConnector.USER + " and " + ClickHouseSinkConnector.PASSWORD + ")";
            case 497: case 164:
                return " (" + ClickHouseSinkConnector.USER + " needs INSERT on the table and SELECT on system.columns)";
            case 60: case 81: case 16:
                return " (check " + ClickHouseSinkConnector.DATABASE + ", " + ClickHouseSinkConnector.TABLE + " and "
                        + ClickHouseSinkConnector.COLUMNS_MAPPING + "; the table's columns are read at task start)";
            default:
                return "";
        }
    }

    /**
     * Counts the rows of an acknowledged INSERT and its latency, once per batch, not per record (the oldest timestamp
     * decides); on the thread that sent it.
     */
    private void acknowledged(List<Batch.Row> rows) {
        rowsInserted.add(rows.size());
        long oldest = Long.MAX_VALUE;
        for (Batch.Row r : rows) {
            Long ts = r.record().timestamp();
            if (ts != null && ts < oldest) {
                oldest = ts;
            }
        }
        if (oldest != Long.MAX_VALUE) {
            latency.record(Math.max(0, System.currentTimeMillis() - oldest));
        }
    }

    private void deadLetter(List<BatchWriter.Rejected> rejected) {
        rejected.forEach(r -> deadLetter(r.record(), r.reason(), REJECTED));
    }

    private void deadLetter(SinkRecord record, String reason, String signalReason) {
        DataException e = new DataException("ClickHouseSinkConnector: record " + record.originalTopic() + "-"
                + record.originalKafkaPartition() + "@" + record.originalKafkaOffset() + " does not fit table "
                + settings.database + "." + settings.table + ": " + reason);
        if (dlq == null) {
            throw e;
        }
        log.debug("Dead-lettering: {}", e.getMessage());
        dlq.report(record, e);
        deadLetters.get(signalReason).increment();
    }

    /** ClickHouse 22.2 and later take {@code insert_deduplication_token}. */
    static boolean hasDeduplicationToken(String version) {
        String[] parts = version.strip().split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 22 || major == 22 && minor >= 2;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static Long min(Long a, Long b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return Math.min(a, b);
    }

    /** For tests: the INSERT's format, once the table is known. */
    String format() {
        return table == null ? null : table.format;
    }

    /** For tests: the rows waiting, sent or not. */
    List<Batch.Row> pendingRows() {
        List<Batch.Row> rows = new ArrayList<>();
        if (inFlight != null) {
            rows.addAll(inFlight.rows());
        }
        rows.addAll(open.rowsInOrder());
        return rows;
    }

    /** For tests: waits until every INSERT in flight ended, then reaps as the next put would (throwing a failure). */
    void awaitInFlight() {
        if (inFlight != null) {
            inFlight.awaitAll();
            reap();
        }
    }
}
