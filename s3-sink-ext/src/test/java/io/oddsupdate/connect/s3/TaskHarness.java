package io.oddsupdate.connect.s3;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.testkit.ParquetRows;
import io.oddsupdate.connect.testkit.TestSinkTaskContext;
import io.oddsupdate.connect.testkit.servers.S3Server;

/** Drives an {@link S3ParquetSinkTask} the way a worker does, with testkit's context that records commits and dead letters. */
final class TaskHarness {

    static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name("com.example.odds.OddsUpdate")
            .field("event_uid", Schema.STRING_SCHEMA)
            .field("event_ts", Timestamp.SCHEMA)
            .field("league", Schema.STRING_SCHEMA)
            .field("game_id", Schema.STRING_SCHEMA)
            .field("market", Schema.STRING_SCHEMA)
            .field("odds", Schema.FLOAT64_SCHEMA)
            .field("selection", Schema.OPTIONAL_STRING_SCHEMA)
            .field("not_in_bronze", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    final S3ParquetSinkTask task = new S3ParquetSinkTask();
    final TestSinkTaskContext context;

    TaskHarness(S3Server s3, String bucket, Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>();
        props.put(S3ParquetSinkConnector.BUCKET, bucket);
        props.put(S3ParquetSinkConnector.ENDPOINT, s3.endpoint().toString());
        props.put(S3ParquetSinkConnector.REGION, S3Server.REGION);
        props.put(S3ParquetSinkConnector.PATH_STYLE, "true");
        props.put(S3ParquetSinkConnector.ACCESS_KEY_ID, S3Server.ACCESS_KEY);
        props.put(S3ParquetSinkConnector.SECRET_ACCESS_KEY, S3Server.SECRET_KEY);
        props.put(S3ParquetSinkConnector.RETRY_MAX_ATTEMPTS, "2");
        props.put(S3ParquetSinkConnector.RETRY_BACKOFF_MS, "10");
        props.put(S3ParquetSinkConnector.ROTATE_SCHEDULE_INTERVAL_MS, "-1");
        props.put(S3ParquetSinkConnector.REQUEST_TIMEOUT_MS, "5000");
        props.put(S3ParquetSinkConnector.UPLOAD_THREADS, "0"); // deterministic: objects are complete when put returns
        props.putAll(overrides);
        context = new TestSinkTaskContext(props);
        task.initialize(context);
        task.start(props);
    }

    /** preCommit as the worker calls it, offsets as plain longs. */
    Map<TopicPartition, Long> commit() {
        return commit(Map.of());
    }

    /** preCommit with the offsets the worker consumed up to (records its converter dead-lettered included). */
    Map<TopicPartition, Long> commit(Map<TopicPartition, Long> consumed) {
        Map<TopicPartition, OffsetAndMetadata> current = new HashMap<>();
        consumed.forEach((tp, o) -> current.put(tp, new OffsetAndMetadata(o)));
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : task.preCommit(current).entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    static SinkRecord struct(String topic, int partition, long offset, String league, Instant eventTs) {
        Struct v = new Struct(VALUE_SCHEMA)
                .put("event_uid", topic + "-" + partition + "-" + offset)
                .put("event_ts", java.util.Date.from(eventTs))
                .put("league", league == null ? "nfl" : league)
                .put("game_id", "g" + (offset % 3))
                .put("market", "moneyline")
                .put("odds", -115.0 + offset)
                .put("selection", offset % 2 == 0 ? "home" : null)
                .put("not_in_bronze", "x");
        return record(topic, partition, offset, league, VALUE_SCHEMA, v, eventTs.toEpochMilli());
    }

    static SinkRecord map(String topic, int partition, long offset, String league, Instant eventTs) {
        Map<String, Object> v = new HashMap<>();
        v.put("event_uid", topic + "-" + partition + "-" + offset);
        v.put("event_ts", eventTs.toEpochMilli());
        v.put("ingest_ts", eventTs.plusSeconds(1).toString());
        v.put("league", league == null ? "nfl" : league);
        v.put("game_id", "g1");
        v.put("market", "total");
        v.put("odds", 105L);
        v.put("line", 220.5);
        v.put("model_inputs", Map.of("lead", 3.0, "mu", 1.5));
        return record(topic, partition, offset, league, null, v, eventTs.toEpochMilli());
    }

    static SinkRecord record(String topic, int partition, long offset, String league, Schema schema, Object value, long timestamp) {
        ConnectHeaders headers = new ConnectHeaders();
        if (league != null) {
            headers.addString("league", league);
        }
        return new SinkRecord(topic, partition, Schema.STRING_SCHEMA, "k" + offset, schema, value, offset, timestamp,
                TimestampType.CREATE_TIME, headers);
    }

    /** Every row of every object in the bucket, read back with parquet-avro (no Hadoop on the class path). */
    static List<GenericRecord> readAll(S3Server s3, String bucket) {
        List<GenericRecord> rows = new ArrayList<>();
        for (String key : s3.keys(bucket)) {
            rows.addAll(read(s3.get(bucket, key)));
        }
        return rows;
    }

    /** The rows of one object, read with testkit's Parquet reader (its own decompression, no Hadoop). */
    static List<GenericRecord> read(byte[] parquet) {
        return ParquetRows.read(parquet);
    }

    /** Each dead letter as "offset: reason". */
    List<String> deadLetters() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < context.deadLetters.size(); i++) {
            out.add(context.deadLetters.get(i).kafkaOffset() + ": " + context.reasons.get(i).getMessage());
        }
        return out;
    }
}
