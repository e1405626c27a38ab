package io.oddsupdate.connect.clickhouse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.testkit.TestSinkTaskContext;
import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/** Drives a {@link ClickHouseSinkTask} the way a worker does, with testkit's context (dead letters, timeouts). */
final class TaskHarness {

    /** The odds table on ClickHouse 18.16 (see docs/clickhouse-sink.md for current ClickHouse). */
    static final String DDL = "CREATE TABLE %s (\n"
            + "  event_uid String, event_ts DateTime, ingest_ts Nullable(DateTime), league String, game_id String,\n"
            + "  team_id Nullable(String), player_id Nullable(String), market String, selection Nullable(String),\n"
            + "  line Nullable(Float64), odds Float64, decimal_odds Nullable(Float64), fair_prob Nullable(Float64),\n"
            + "  model_version Nullable(String), kafka_topic String, kafka_partition UInt16, kafka_offset UInt64,\n"
            + "  kafka_timestamp DateTime\n"
            + ") ENGINE = ReplacingMergeTree(kafka_offset) PARTITION BY toYYYYMMDD(event_ts) ORDER BY (league, game_id, market, event_uid)";
    static final String MAPPING = "kafka_topic=kafka.topic,kafka_partition=kafka.partition,kafka_offset=kafka.offset,"
            + "kafka_timestamp=kafka.timestamp";

    static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name("com.example.odds.OddsUpdate")
            .field("event_uid", Schema.STRING_SCHEMA)
            .field("event_ts", Timestamp.SCHEMA)
            .field("ingest_ts", Timestamp.builder().optional().build())
            .field("league", Schema.STRING_SCHEMA)
            .field("game_id", Schema.STRING_SCHEMA)
            .field("market", Schema.STRING_SCHEMA)
            .field("selection", Schema.OPTIONAL_STRING_SCHEMA)
            .field("line", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("odds", Schema.FLOAT64_SCHEMA)
            .field("model_inputs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).optional().build())
            .build();
    static final long T0 = 1_764_000_000_000L;

    final ClickHouseSinkTask task = new ClickHouseSinkTask();
    final Map<String, String> props = new HashMap<>();
    final TestSinkTaskContext context = new TestSinkTaskContext(props);

    TaskHarness(ClickHouseServer ch, String table, Map<String, String> overrides) {
        this(ch.httpUrl(), table, overrides);
    }

    /** A task writing to the server at {@code url} (a stand-in for ClickHouse, in unit tests). */
    TaskHarness(String url, String table, Map<String, String> overrides) {
        props.put(ClickHouseSinkConnector.URL, url);
        props.put(ClickHouseSinkConnector.TABLE, table);
        props.put(ClickHouseSinkConnector.COLUMNS_MAPPING, MAPPING);
        props.put(ClickHouseSinkConnector.RETRY_MAX_ATTEMPTS, "2");
        props.put(ClickHouseSinkConnector.RETRY_BACKOFF_MS, "10");
        props.put(ClickHouseSinkConnector.RETRY_BACKOFF_MAX_MS, "50");
        props.put(ClickHouseSinkConnector.CONNECT_TIMEOUT_MS, "1000");
        props.put(ClickHouseSinkConnector.REQUEST_TIMEOUT_MS, "5000");
        props.putAll(overrides);
        task.initialize(context);
        task.start(props);
    }

    /** preCommit as the worker calls it, with what it delivered up to; offsets as plain longs. */
    Map<TopicPartition, Long> commit(Map<TopicPartition, Long> delivered) {
        Map<TopicPartition, OffsetAndMetadata> current = new HashMap<>();
        delivered.forEach((tp, o) -> current.put(tp, new OffsetAndMetadata(o)));
        Map<TopicPartition, Long> out = new HashMap<>();
        task.preCommit(current).forEach((tp, o) -> out.put(tp, o.offset()));
        return out;
    }

    /** Odds update {@code n} of partition {@code partition} at offset {@code n}: a Struct, as GlueAvroConverter gives it. */
    static SinkRecord update(String topic, int partition, long n) {
        Struct v = new Struct(VALUE_SCHEMA)
                .put("event_uid", "u-" + partition + "-" + n)
                .put("event_ts", new java.util.Date(T0 + n * 1000))
                .put("ingest_ts", n % 2 == 0 ? new java.util.Date(T0 + n * 1000 + 250) : null)
                .put("league", "nba")
                .put("game_id", "g" + (n % 4))
                .put("market", "moneyline")
                .put("selection", n % 2 == 0 ? "home" : "away")
                .put("line", n % 3 == 0 ? null : -3.5)
                .put("odds", -110.0 - n)
                .put("model_inputs", Map.of("lead", 3.0));
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("league", "nba");
        return new SinkRecord(topic, partition, Schema.STRING_SCHEMA, "g" + (n % 4), VALUE_SCHEMA, v, n, T0 + n * 1000 + 500,
                TimestampType.CREATE_TIME, headers);
    }

    static List<SinkRecord> updates(String topic, int partition, long from, long to) {
        List<SinkRecord> out = new ArrayList<>();
        for (long n = from; n < to; n++) {
            out.add(update(topic, partition, n));
        }
        return out;
    }

    /** What the dead-letter queue got, as {@code <offset>: <reason>}. */
    List<String> deadLetters() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < context.deadLetters.size(); i++) {
            out.add(context.deadLetters.get(i).kafkaOffset() + ": " + context.reasons.get(i).getMessage());
        }
        return out;
    }
}
