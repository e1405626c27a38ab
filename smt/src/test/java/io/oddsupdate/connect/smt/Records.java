package io.oddsupdate.connect.smt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

import io.oddsupdate.connect.common.DeadLetterRoute;

/** Records as the transforms meet them: MirrorMaker byte records, Struct records, schemaless Map records. */
final class Records {

    static final String TOPIC = "raw.events.nba";
    static final String UPSTREAM = "vendor.raw.events.nba";

    static final String VENDOR_EVENT = "{\"event_id\":\"e1\",\"game_id\":\"g1\",\"league\":\"nba\",\"seq\":7,"
            + "\"event_ts\":1700000000000,\"type\":\"PLAYER_STAT\",\"model_version\":\"m3\",\"payload\":{\"period\":2,"
            + "\"clock_remaining_s\":300,\"home_score\":50,\"away_score\":48,\"team_id\":\"t1\",\"player_id\":\"p9\","
            + "\"stat\":\"points\",\"stat_value\":21.0}}";

    static final Schema PAYLOAD_SCHEMA = SchemaBuilder.struct().name("EventPayload")
            .field("period", Schema.OPTIONAL_INT32_SCHEMA)
            .field("player_id", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Schema EVENT_SCHEMA = SchemaBuilder.struct().name("VendorEvent")
            .field("event_id", Schema.STRING_SCHEMA)
            .field("game_id", Schema.STRING_SCHEMA)
            .field("league", Schema.STRING_SCHEMA)
            .field("seq", Schema.INT64_SCHEMA)
            .field("model_version", Schema.OPTIONAL_STRING_SCHEMA)
            .field("payload", PAYLOAD_SCHEMA)
            .build();

    private Records() {
    }

    /** Transform properties from alternating keys and values. */
    static Map<String, String> props(String... kv) {
        Map<String, String> props = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        return props;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(Object bytes) {
        return bytes instanceof ByteBuffer ? StandardCharsets.UTF_8.decode(((ByteBuffer) bytes).duplicate()).toString()
                : new String((byte[]) bytes, StandardCharsets.UTF_8);
    }

    /** A record as MirrorSourceTask builds it: bytes key and value, upstream coordinates in source partition/offset. */
    static SourceRecord mirrored(Object value) {
        return mirrored(TOPIC, value);
    }

    static SourceRecord mirrored(String topic, Object value) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addBytes("vendor-trace", new byte[] {1, 2});
        return new SourceRecord(Map.of("cluster", "vendor", "topic", UPSTREAM, "partition", 3), Map.of("offset", 1234L),
                topic, 3, Schema.OPTIONAL_BYTES_SCHEMA, utf8("vendor-key"), Schema.BYTES_SCHEMA, value, 1700000000000L, headers);
    }

    static Struct event(String gameId) {
        return new Struct(EVENT_SCHEMA).put("event_id", "e1").put("game_id", gameId).put("league", "nba").put("seq", 7L)
                .put("model_version", "m3").put("payload", new Struct(PAYLOAD_SCHEMA).put("period", 2).put("player_id", "p9"));
    }

    static SourceRecord structRecord(Struct value) {
        return new SourceRecord(Map.of(), Map.of(), TOPIC, 3, null, null, value.schema(), value, 1700000000000L);
    }

    static Map<String, Object> eventMap(String gameId) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("period", 2);
        payload.put("player_id", "p9");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_id", "e1");
        m.put("game_id", gameId);
        m.put("league", "nba");
        m.put("model_version", "m3");
        m.put("payload", payload);
        return m;
    }

    static SourceRecord mapRecord(Object value) {
        return new SourceRecord(Map.of(), Map.of(), TOPIC, 3, null, null, null, value, 1700000000000L);
    }

    static String header(SourceRecord r, String name) {
        return io.oddsupdate.connect.common.HeaderFormat.read(r.headers().lastWithName(name));
    }

    static int count(SourceRecord r, String name) {
        int n = 0;
        for (Header h : r.headers()) {
            if (h.key().equals(name)) {
                n++;
            }
        }
        return n;
    }

    /** Asserts the record went to the dead-letter topic unchanged, with context naming the failure. */
    static void assertDeadLettered(SourceRecord in, SourceRecord out, String dlq, String alias, String messagePart) {
        org.junit.jupiter.api.Assertions.assertEquals(dlq, out.topic());
        org.junit.jupiter.api.Assertions.assertNull(out.kafkaPartition());
        org.junit.jupiter.api.Assertions.assertSame(in.key(), out.key());
        org.junit.jupiter.api.Assertions.assertSame(in.value(), out.value());
        org.junit.jupiter.api.Assertions.assertTrue(DeadLetterRoute.isDeadLettered(out));
        org.junit.jupiter.api.Assertions.assertEquals(alias, header(out, DeadLetterRoute.TRANSFORM_ALIAS_HEADER));
        String msg = header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER);
        org.junit.jupiter.api.Assertions.assertTrue(msg.contains(messagePart), msg);
        if (in.sourcePartition().containsKey("topic")) {
            org.junit.jupiter.api.Assertions.assertEquals(UPSTREAM, header(out, DeadLetterRoute.ORIGINAL_TOPIC_HEADER));
            org.junit.jupiter.api.Assertions.assertEquals("3", header(out, DeadLetterRoute.ORIGINAL_PARTITION_HEADER));
            org.junit.jupiter.api.Assertions.assertEquals("1234", header(out, DeadLetterRoute.ORIGINAL_OFFSET_HEADER));
        }
        for (Header h : in.headers()) {
            org.junit.jupiter.api.Assertions.assertNotNull(out.headers().lastWithName(h.key()), "kept header " + h.key());
        }
    }

    /** A JSON value nested {@code depth} objects deep, with a game id at the top. */
    static String deeplyNested(int depth) {
        StringBuilder sb = new StringBuilder("{\"game_id\":\"g1\",\"n\":");
        sb.append("{\"a\":".repeat(depth)).append("1").append("}".repeat(depth));
        return sb.append('}').toString();
    }

    /** About 1 MB of JSON with the game id after the bulk. */
    static String oneMegabyte() {
        return "{\"blob\":\"" + "x".repeat(1 << 20) + "\",\"event_id\":\"e1\",\"game_id\":\"g1\"}";
    }
}
