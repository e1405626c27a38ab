package io.oddsupdate.connect.clickhouse;

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

/**
 * Writes odds updates ({@code com.example.odds.OddsUpdate}, or any record) into one ClickHouse table over ClickHouse's
 * HTTP interface: {@code INSERT INTO db.table (columns) FORMAT RowBinary} (or JSONEachRow), gzip-compressed, one
 * request per batch.
 *
 * <p>No double counting: every row is a pure function of its Kafka record (value fields, headers, key and the record's
 * topic, partition and offset), so a replayed record writes the very same row; the table is a
 * {@code ReplacingMergeTree} whose sorting key ends with {@code event_uid}, and a query that reads it with
 * {@code FINAL} (or aggregates with {@code argMax}) sees each update once. Offsets are committed only up to rows
 * ClickHouse acknowledged. See {@code docs/clickhouse-sink.md}.
 */
public class ClickHouseSinkConnector extends SinkConnector {

    public static final String OVERVIEW = "Real-time sink: odds updates into one ClickHouse table over the HTTP interface "
            + "(`INSERT ... FORMAT RowBinary`, or JSONEachRow for a table that needs it; gzip request bodies, HTTPS and "
            + "user/password), in batches closed by row count, "
            + "bytes or age. Columns are read from the table at start (`system.columns`) and filled by name from the value, "
            + "or from `columns.mapping` (value paths, headers, the key, the Kafka coordinates); each value is checked against "
            + "its column's type before it is batched. Every row is a function of its record alone, so a replay after a retry, "
            + "a restart or a rebalance writes the same rows; with the documented `ReplacingMergeTree` table a `FINAL` or "
            + "`argMax` query sees each update once. Offsets are committed only for rows ClickHouse acknowledged. Records that "
            + "do not fit the table go to the sink dead-letter queue (`errors.tolerance=all`, "
            + "`errors.deadletterqueue.topic.name`) with the reason; an unreachable or overloaded server is retried with "
            + "backoff, then the batch is handed back to Connect (retriable) and redelivered.";

    public static final String URL = "clickhouse.url";
    public static final String DATABASE = "clickhouse.database";
    public static final String TABLE = "clickhouse.table";
    public static final String USER = "clickhouse.user";
    public static final String PASSWORD = "clickhouse.password";
    public static final String TRUSTSTORE_LOCATION = "clickhouse.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "clickhouse.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "clickhouse.ssl.truststore.type";
    public static final String COMPRESSION = "clickhouse.compression";
    public static final String FORMAT = "clickhouse.format";
    public static final String DEDUPLICATION_TOKEN = "clickhouse.insert.deduplication.token";
    public static final String CONNECT_TIMEOUT_MS = "clickhouse.connect.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "clickhouse.request.timeout.ms";
    public static final String RETRY_MAX_ATTEMPTS = "clickhouse.retry.max.attempts";
    public static final String RETRY_BACKOFF_MS = "clickhouse.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "clickhouse.retry.backoff.max.ms";

    public static final String COLUMNS_MAPPING = "columns.mapping";

    public static final String BATCH_MAX_ROWS = "batch.max.rows";
    public static final String BATCH_MAX_BYTES = "batch.max.bytes";
    public static final String BATCH_MAX_WAIT_MS = "batch.max.wait.ms";
    public static final String BATCH_MAX_IN_FLIGHT = "batch.max.in.flight";


    public static final ConfigDef CONFIG_DEF = Signals.define(new ConfigDef()
            .define(URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "HTTP interface of the ClickHouse server (or of the load balancer in front of a cluster), "
                            + "`http://host:8123` or `https://host:8443`.")
            .define(DATABASE, Type.STRING, "default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Database of the table.")
            .define(TABLE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Table the rows are inserted into. It must exist; its columns and their types are read at task start.")
            .define(USER, Type.STRING, "default", Importance.HIGH,
                    "ClickHouse user (HTTP basic authentication). It needs INSERT on the table and SELECT on `system.columns`.")
            .define(PASSWORD, Type.PASSWORD, null, Importance.HIGH,
                    "Password of `clickhouse.user`; pass it through a config provider (`${secretsmanager:...}`), never literally.")
            .define(TRUSTSTORE_LOCATION, Type.STRING, "", Importance.LOW,
                    "Trust store (file) with the CA of an `https` server whose certificate the JVM's default trust store does "
                            + "not accept. Empty: the JVM's default trust store.")
            .define(TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW,
                    "Password of `clickhouse.ssl.truststore.location`, if it has one.")
            .define(TRUSTSTORE_TYPE, Type.STRING, "PKCS12", ValidString.in("PKCS12", "JKS"), Importance.LOW,
                    "Format of `clickhouse.ssl.truststore.location`.")
            .define(COMPRESSION, Type.STRING, "gzip", ValidString.in("gzip", "none"), Importance.MEDIUM,
                    "Compression of the request body (`Content-Encoding`). gzip (level 1) sends about a tenth of the bytes.")
            .define(FORMAT, Type.STRING, Table.AUTO, ValidString.in(Table.AUTO, Table.ROW_BINARY, Table.JSON_EACH_ROW), Importance.LOW,
                    "Format of the rows in an INSERT. `RowBinary` costs the server far less CPU to read than `JSONEachRow`, "
                            + "but cannot leave a column to its DEFAULT in some rows only: a table with a non-Nullable DEFAULT "
                            + "column that the sink fills needs `JSONEachRow`. `auto`: `RowBinary`, unless the table has such a "
                            + "column or one of a type (`Bool`, `DateTime64`, `Map`) whose RowBinary layout this sink's tests "
                            + "could not check against a server; the task logs the format at start.")
            .define(DEDUPLICATION_TOKEN, Type.STRING, "auto", ValidString.in("auto", "true", "false"), Importance.LOW,
                    "Send `insert_deduplication_token` (the batch's topic/partition/offset ranges, hashed) with each INSERT, "
                            + "so that a retried request the server had already applied is dropped by ClickHouse's insert "
                            + "deduplication (replicated tables, or `non_replicated_deduplication_window` > 0). `auto`: when the "
                            + "server is 22.2 or later, which has the setting.")
            .define(CONNECT_TIMEOUT_MS, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    "Timeout of a TCP/TLS connection to the server.")
            .define(REQUEST_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(1000), Importance.LOW,
                    "Timeout of one INSERT request (one attempt).")
            .define(RETRY_MAX_ATTEMPTS, Type.INT, 3, Range.between(1, 20), Importance.LOW,
                    "Attempts of one INSERT (connection errors, timeouts, 5xx and ClickHouse's transient errors such as too many "
                            + "parts or memory limits) before the batch is handed back to Connect as retriable; Connect then "
                            + "redelivers it, so an outage pauses the task without losing records.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 200L, Range.atLeast(1), Importance.LOW,
                    "Base delay of the exponential backoff (with jitter) between attempts, and the redelivery delay.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 5_000L, Range.atLeast(1), Importance.LOW,
                    "Largest delay between attempts.")

            .define(COLUMNS_MAPPING, Type.LIST, "", Importance.HIGH,
                    "Columns filled from elsewhere than the value field of the same name, as `column=source` pairs. Sources: "
                            + "a value path (`event_ts`, `payload.game_id`), `header.<name>` (the last header of that name), "
                            + "`key`, `kafka.topic`, `kafka.partition`, `kafka.offset`, `kafka.timestamp` (the record's original "
                            + "coordinates). Other columns are filled from the value field of the same name; a column with "
                            + "neither, and no default, gets NULL (Nullable) or sends the record to the dead-letter queue.")

            .define(BATCH_MAX_ROWS, Type.INT, 20_000, Range.between(1, 10_000_000), Importance.MEDIUM,
                    "Rows per INSERT: a batch this large is sent at once.")
            .define(BATCH_MAX_BYTES, Type.LONG, 16L * 1024 * 1024, Range.atLeast(1024), Importance.MEDIUM,
                    "Uncompressed bytes of rows per INSERT: a batch this large is sent at once.")
            .define(BATCH_MAX_WAIT_MS, Type.LONG, 500L, Range.between(0, 600_000), Importance.HIGH,
                    "Most time a row waits in a batch: the freshness bound (plus the INSERT itself). ClickHouse prefers a few "
                            + "large INSERTs per second to many small ones; each task sends at most one batch per wait interval "
                            + "unless the row or byte bound fills it sooner.")
            .define(BATCH_MAX_IN_FLIGHT, Type.INT, 2, Range.between(1, 16), Importance.LOW,
                    "Batches handed to ClickHouse and not yet acknowledged, at most: their INSERTs run at once, each on "
                            + "its own connection, while the task encodes the next batch; a full line makes the task wait for "
                            + "the oldest. Offsets are committed only below the first row not yet acknowledged. A failed "
                            + "INSERT holds the line; failed batches are sent again one after the other, in batch order."));

    private Map<String, String> props;

    @Override
    public String version() {
        return SinkSettings.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new SinkSettings(props); // fail fast on a bad config, with the key named
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return ClickHouseSinkTask.class;
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

    /** Adds the checks across keys (mapping, URL, trust store) to the REST validation, on the key they concern. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        return CrossKeyValidation.validate(super.validate(connectorConfigs), () -> new SinkSettings(connectorConfigs));
    }
}
