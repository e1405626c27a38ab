package io.oddsupdate.connect.smt;

import static io.oddsupdate.connect.smt.Records.assertDeadLettered;
import static io.oddsupdate.connect.smt.Records.header;
import static io.oddsupdate.connect.smt.Records.mapRecord;
import static io.oddsupdate.connect.smt.Records.mirrored;
import static io.oddsupdate.connect.smt.Records.string;
import static io.oddsupdate.connect.smt.Records.structRecord;
import static io.oddsupdate.connect.smt.Records.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.oddsupdate.connect.testkit.ConfigDocs;

class CanonicalKeyTest {

    static CanonicalKey<SourceRecord> transform(String... kv) {
        CanonicalKey<SourceRecord> t = new CanonicalKey<>();
        t.configure(Records.props(kv));
        return t;
    }

    @Test
    void keysAMirrorMakerByteRecordWithUtf8BytesAndClearsThePartition() {
        SourceRecord in = mirrored(utf8(Records.VENDOR_EVENT));
        SourceRecord out = transform().apply(in);
        assertEquals(Schema.BYTES_SCHEMA, out.keySchema());
        assertEquals("g1", string(out.key()));
        assertNull(out.kafkaPartition());
        assertSame(in.value(), out.value());
        assertSame(in.valueSchema(), out.valueSchema());
        assertEquals(Records.TOPIC, out.topic());
        assertEquals(in.headers(), out.headers());
        assertEquals(in.sourceOffset(), out.sourceOffset());
    }

    @Test
    void keepsThePartitionWhenAskedTo() {
        assertEquals(3, transform("partition.by.key", "false").apply(mirrored(utf8(Records.VENDOR_EVENT))).kafkaPartition());
    }

    @Test
    void aByteBufferValueAndAStructKeyGiveAJsonObjectKey() {
        SourceRecord out = transform("key.type", "struct").apply(mirrored(ByteBuffer.wrap(utf8("{\"gameId\":\"a\\\"b\"}"))));
        assertEquals("{\"game_id\":\"a\\\"b\"}", string(out.key()));
    }

    @Test
    void keysAStructRecordWithAStringOrAStruct() {
        SourceRecord out = transform().apply(structRecord(Records.event("g7")));
        assertEquals(Schema.STRING_SCHEMA, out.keySchema());
        assertEquals("g7", out.key());
        Struct key = (Struct) transform("key.type", "STRUCT").apply(structRecord(Records.event("g7"))).key();
        assertEquals("g7", key.getString("game_id"));
    }

    @Test
    void keysAMapRecordWithAStringOrAMap() {
        assertEquals("g8", transform().apply(mapRecord(Records.eventMap("g8"))).key());
        assertNull(transform().apply(mapRecord(Records.eventMap("g8"))).keySchema());
        assertEquals(Map.of("game_id", "g8"), transform("key.type", "struct").apply(mapRecord(Records.eventMap("g8"))).key());
    }

    @Test
    void triesThePathsInOrderIncludingNestedOnes() {
        CanonicalKey<SourceRecord> t = transform();
        assertEquals("n1", string(t.apply(mirrored(utf8("{\"game\":{\"id\":\"n1\"}}"))).key()));
        assertEquals("c1", string(t.apply(mirrored(utf8("{\"game\":{\"id\":\"n1\"},\"gameId\":\"c1\"}"))).key()));
        assertEquals("42", string(t.apply(mirrored(utf8("{\"game_id\":42}"))).key()));
        assertEquals("x", transform("game.id.paths", "payload.match.id").apply(mapRecord(Map.of("payload", Map.of("match", Map.of("id", "x"))))).key());
    }

    @Test
    void unicodeIdsSurviveAsUtf8() {
        String id = "ñ-⚽-游戏-\uD83C\uDFC0";
        assertEquals(id, string(transform().apply(mirrored(utf8("{\"game_id\":\"" + id + "\"}"))).key()));
        assertEquals("ñ", string(transform().apply(mirrored(utf8("{\"game_id\":\"\\u00f1\"}"))).key()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "{\"game_id\":\"g1\",", "{\"game_id\":\"g1\"}}", "\u0000\u0001", "{\"game_id\":\"a\",\"game_id\":\"b\"}"})
    void malformedJsonIsDeadLettered(String value) {
        SourceRecord in = mirrored(utf8(value));
        assertDeadLettered(in, transform("dlq.topic", "raw.events.dlq", "transform.alias", "key").apply(in),
                "raw.events.dlq", "key", "JSON");
    }

    @Test
    void withoutADeadLetterTopicAFailureNamesTransformPathAndRecord() {
        DataException e = assertThrows(DataException.class, () -> transform().apply(mirrored(utf8("{\"event_id\":\"e1\"}"))));
        assertEquals("CanonicalKey: no game id in the json value at any of game.id.paths=[game_id, gameId, game.id]"
                + " (record vendor.raw.events.nba-3@1234)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"game_id\":{\"id\":1}}", "{\"game_id\":[1]}", "{\"game_id\":true}", "{\"game_id\":1.5}",
            "{\"game_id\":\"\"}", "{\"game_id\":null}", "[\"g1\"]", "\"g1\""})
    void wrongTypesAndMissingIdsAreDeadLettered(String value) {
        SourceRecord in = mirrored(utf8(value));
        assertDeadLettered(in, transform("dlq.topic", "raw.events.dlq").apply(in), "raw.events.dlq", "CanonicalKey", "game");
    }

    @Test
    void wrongTypesInStructAndMapRecordsAreDeadLettered() {
        SourceRecord map = mapRecord(Map.of("game_id", List.of("g1")));
        assertDeadLettered(map, transform("dlq.topic", "dlq").apply(map), "dlq", "CanonicalKey", "'game_id' must be a scalar");
        SourceRecord struct = structRecord(Records.event("g1"));
        assertDeadLettered(struct, transform("dlq.topic", "dlq", "game.id.paths", "payload").apply(struct), "dlq", "CanonicalKey",
                "'payload' must be a scalar");
        assertEquals(Records.TOPIC, header(transform("dlq.topic", "dlq", "game.id.paths", "payload").apply(struct),
                "__connect.errors.topic"), "no upstream coordinates: the record's own topic");
    }

    @Test
    void deepNestingIsFineUntilTheParserLimitThenDeadLettered() {
        assertEquals("g1", string(transform().apply(mirrored(utf8(Records.deeplyNested(500)))).key()));
        SourceRecord tooDeep = mirrored(utf8(Records.deeplyNested(5000)));
        assertDeadLettered(tooDeep, transform("dlq.topic", "dlq").apply(tooDeep), "dlq", "CanonicalKey", "JSON");
    }

    @Test
    void aOneMegabyteValueIsKeyedWhenTheLimitAllowsIt() {
        assertEquals("g1", string(transform("max.value.bytes", "2000000").apply(mirrored(utf8(Records.oneMegabyte()))).key()));
    }

    @Test
    void aValueOverTheLimitIsDeadLetteredUnreadAsOversized() {
        // 1 MiB of JSON is over the default max.value.bytes (1,000,000), as it is over a default topic's max.message.bytes
        SourceRecord big = mirrored(utf8(Records.oneMegabyte()));
        assertDeadLettered(big, transform("dlq.topic", "raw.events.dlq").apply(big), "raw.events.dlq", "CanonicalKey",
                "oversized: the value has " + utf8(Records.oneMegabyte()).length + " bytes, more than max.value.bytes=1000000");
        SourceRecord small = mirrored(ByteBuffer.wrap(utf8(Records.VENDOR_EVENT)));
        assertDeadLettered(small, transform("dlq.topic", "dlq", "max.value.bytes", "10").apply(small), "dlq", "CanonicalKey",
                "oversized");
        assertEquals("g1", string(transform("max.value.bytes", "0").apply(mirrored(utf8(Records.oneMegabyte()))).key()),
                "0 means no limit");
        DataException e = assertThrows(DataException.class, () -> transform("max.value.bytes", "10").apply(
                mirrored(utf8(Records.VENDOR_EVENT))));
        assertTrue(e.getMessage().contains("oversized") && e.getMessage().contains("vendor.raw.events.nba-3@1234"), e.getMessage());
    }

    @Test
    void tombstonesAndDeadLetteredRecordsPassUntouched() {
        SourceRecord tombstone = mirrored(null);
        assertSame(tombstone, transform().apply(tombstone));
        SourceRecord dead = transform("dlq.topic", "dlq").apply(mirrored(utf8("nope")));
        assertSame(dead, transform().apply(dead));
        assertEquals("dlq", dead.topic());
    }

    @Test
    void aNullKeyIsReplaced() {
        SourceRecord in = new SourceRecord(Map.of(), Map.of(), Records.TOPIC, 0, null, null, Schema.BYTES_SCHEMA,
                utf8(Records.VENDOR_EVENT));
        assertEquals("g1", string(transform().apply(in).key()));
    }

    @Test
    void existingHeadersAreKept() {
        SourceRecord out = transform().apply(mirrored(utf8(Records.VENDOR_EVENT)));
        assertEquals(1, out.headers().size());
        assertTrue(out.headers().lastWithName("vendor-trace") != null);
        assertNull(header(out, "game_id"));
    }

    @Test
    void badConfigIsRejectedWithTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> transform("game.id.paths", "a..b"));
        assertTrue(e.getMessage().contains("game.id.paths"), e.getMessage());
        assertThrows(ConfigException.class, () -> transform("key.type", "int"));
        assertThrows(ConfigException.class, () -> transform("game.id.paths", ""));
    }

    @Test
    void configReferenceIsCurrent() {
        ConfigDocs.check("docs/config/CanonicalKey.md",
                ConfigDocs.markdown(CanonicalKey.class.getName(), CanonicalKey.OVERVIEW_DOC, CanonicalKey.CONFIG_DEF));
    }
}
