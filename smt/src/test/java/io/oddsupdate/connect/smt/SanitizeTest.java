package io.oddsupdate.connect.smt;

import static io.oddsupdate.connect.smt.Records.assertDeadLettered;
import static io.oddsupdate.connect.smt.Records.mapRecord;
import static io.oddsupdate.connect.smt.Records.mirrored;
import static io.oddsupdate.connect.smt.Records.string;
import static io.oddsupdate.connect.smt.Records.structRecord;
import static io.oddsupdate.connect.smt.Records.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.ConfigDocs;

class SanitizeTest {

    static final String PUBLIC = "classpath:schemas/odds-update-public/v1.avsc";
    static final String ODDS = "{\"event_uid\":\"u1\",\"event_ts\":1700000000000,\"ingest_ts\":1700000000100,\"league\":\"nba\","
            + "\"game_id\":\"g1\",\"team_id\":\"t1\",\"player_id\":null,\"market\":\"spread\",\"odds\":-115.0,"
            + "\"model_version\":\"m3\",\"source_topic\":\"raw.events.nba\",\"source_partition\":3,\"source_offset\":1234,"
            + "\"selection\":\"home\",\"line\":-3.5,\"decimal_odds\":1.87,\"fair_prob\":0.52,"
            + "\"model_inputs\":{\"lead\":2.0,\"mu\":1.5},\"brand_new_internal\":{\"x\":1}}";
    static final String PUBLIC_ODDS = "{\"event_uid\":\"u1\",\"event_ts\":1700000000000,\"league\":\"nba\",\"game_id\":\"g1\","
            + "\"team_id\":\"t1\",\"player_id\":null,\"market\":\"spread\",\"odds\":-115.0,\"model_version\":\"m3\","
            + "\"selection\":\"home\",\"line\":-3.5,\"decimal_odds\":1.87}";
    static final ObjectMapper JSON = new ObjectMapper();

    static Sanitize<SourceRecord> transform(String... kv) {
        Sanitize<SourceRecord> t = new Sanitize<>();
        t.configure(Records.props(kv));
        return t;
    }

    static SourceRecord odds(Object value) {
        return mirrored("odds.updates.public.nba", value);
    }

    @Test
    void keepsOnlyThePublicFieldsOfJsonBytes() throws Exception {
        SourceRecord out = transform("public.schema", PUBLIC).apply(odds(utf8(ODDS)));
        assertEquals(JSON.readTree(PUBLIC_ODDS), JSON.readTree(string(out.value())));
        assertInstanceOf(byte[].class, out.value());
        assertEquals(Schema.BYTES_SCHEMA, out.valueSchema());
        assertEquals("odds.updates.public.nba", out.topic());
        assertEquals(3, out.kafkaPartition());
        Object buffer = transform("public.schema", PUBLIC).apply(odds(ByteBuffer.wrap(utf8(ODDS)))).value();
        assertEquals(JSON.readTree(PUBLIC_ODDS), JSON.readTree(string(buffer)));
    }

    @Test
    void keepsOnlyThePublicFieldsOfAMap() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> in = JSON.readValue(ODDS, Map.class);
        Object out = transform("public.schema", PUBLIC).apply(mapRecord(in)).value();
        assertEquals(JSON.readValue(PUBLIC_ODDS, Map.class), out);
    }

    @Test
    void keepsOnlyThePublicFieldsOfAStructWithACachedSchema() {
        Schema internal = SchemaBuilder.struct().name("com.example.odds.OddsUpdate")
                .field("event_uid", Schema.STRING_SCHEMA).field("event_ts", Schema.INT64_SCHEMA)
                .field("league", Schema.STRING_SCHEMA).field("game_id", Schema.STRING_SCHEMA)
                .field("market", Schema.STRING_SCHEMA).field("odds", Schema.FLOAT64_SCHEMA)
                .field("fair_prob", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("model_inputs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).optional().build())
                .field("model_version", Schema.OPTIONAL_STRING_SCHEMA).build();
        Struct v = new Struct(internal).put("event_uid", "u1").put("event_ts", 1L).put("league", "nba").put("game_id", "g1")
                .put("market", "total").put("odds", 105.0).put("fair_prob", 0.4).put("model_inputs", Map.of("mu", 1.0));
        Sanitize<SourceRecord> t = transform("public.schema", PUBLIC);
        SourceRecord out = t.apply(structRecord(v));
        Struct s = (Struct) out.value();
        assertEquals("io.oddsupdate.public.PublicOddsUpdate", s.schema().name());
        assertEquals(List.of("event_uid", "event_ts", "league", "game_id", "team_id", "player_id", "market", "selection", "line",
                "odds", "decimal_odds", "model_version"), s.schema().fields().stream().map(Field::name).toList(), "a record of the public schema");
        assertEquals(105.0, s.getFloat64("odds"));
        assertEquals(new java.util.Date(1L), s.get("event_ts"), "timestamp-millis: a Connect Timestamp");
        assertSame(out.valueSchema(), t.apply(structRecord(v)).valueSchema(), "one output schema, built once");
        Schema noMarket = SchemaBuilder.struct().field("event_uid", Schema.STRING_SCHEMA).build();
        SourceRecord bad = structRecord(new Struct(noMarket).put("event_uid", "u1"));
        assertDeadLettered(bad, transform("public.schema", PUBLIC, "dlq.topic", "odds.updates.public.dlq").apply(bad),
                "odds.updates.public.dlq", "Sanitize", "field 'event_ts' is required but missing");
    }

    @Test
    void allowFieldsKeepNestedRecordsFailClosed() throws Exception {
        Sanitize<SourceRecord> t = transform("allow.fields", "game_id,payload.player_id,meta");
        String in = "{\"game_id\":\"g1\",\"secret\":1,\"payload\":{\"player_id\":\"p1\",\"internal\":2},\"meta\":{\"a\":[1,{\"b\":2}]}}";
        assertEquals(JSON.readTree("{\"game_id\":\"g1\",\"payload\":{\"player_id\":\"p1\"},\"meta\":{\"a\":[1,{\"b\":2}]}}"),
                JSON.readTree(string(t.apply(odds(utf8(in))).value())));
        assertEquals(Map.of("payload", Map.of("player_id", "p1")),
                t.apply(mapRecord(Map.of("payload", Map.of("player_id", "p1", "x", 1), "y", 2))).value());
        SourceRecord notAnObject = odds(utf8("{\"payload\":\"p1\"}"));
        assertDeadLettered(notAnObject, transform("allow.fields", "payload.player_id", "dlq.topic", "dlq").apply(notAnObject),
                "dlq", "Sanitize", "field 'payload': expected an object or null, got a string");
    }

    @Test
    void aNewNestedInternalFieldNeverLeaks() throws Exception {
        String schema = "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
                + "{\"name\":\"legs\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Leg\",\"fields\":["
                + "{\"name\":\"odds\",\"type\":\"double\"}]}}},{\"name\":\"side\",\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"S\","
                + "\"symbols\":[\"HOME\",\"AWAY\"]}],\"default\":null}]}";
        Sanitize<SourceRecord> t = transform("public.schema", schema);
        String in = "{\"id\":\"x\",\"legs\":[{\"odds\":1.5,\"margin\":0.1},{\"odds\":2,\"margin\":0.2}],\"side\":\"HOME\",\"new\":1}";
        assertEquals(JSON.readTree("{\"id\":\"x\",\"legs\":[{\"odds\":1.5},{\"odds\":2.0}],\"side\":\"HOME\"}"),
                JSON.readTree(string(t.apply(odds(utf8(in))).value())));
        SourceRecord badEnum = odds(utf8("{\"id\":\"x\",\"legs\":[],\"side\":\"DRAW\"}"));
        assertThrows(DataException.class, () -> t.apply(badEnum));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"event_uid\":\"u1\",\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g1\",\"odds\":1.0}",
        "{\"event_uid\":\"u1\",\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g1\",\"market\":\"m\",\"odds\":\"-115\"}",
        "{\"event_uid\":\"u1\",\"event_ts\":1.5,\"league\":\"nba\",\"game_id\":\"g1\",\"market\":\"m\",\"odds\":1.0}",
        "{\"event_uid\":null,\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g1\",\"market\":\"m\",\"odds\":1.0}",
        "{\"event_uid\":\"u1\",\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g1\",\"market\":\"m\",\"odds\":1.0,\"line\":\"x\"}",
        "[1]", "", "{\"event_uid\":\"u1\"", "{\"event_uid\":\"u1\",\"event_uid\":\"u2\"}"})
    void missingOrWronglyTypedPublicFieldsAndMalformedJsonAreDeadLettered(String value) {
        SourceRecord in = odds(utf8(value));
        assertDeadLettered(in, transform("public.schema", PUBLIC, "dlq.topic", "odds.updates.public.dlq", "transform.alias", "sanitize")
                .apply(in), "odds.updates.public.dlq", "sanitize", "");
    }

    @Test
    void failuresNameThePath() {
        DataException e = assertThrows(DataException.class, () -> transform("public.schema", PUBLIC).apply(odds(utf8(
                "{\"event_uid\":\"u1\",\"event_ts\":1,\"league\":\"nba\",\"game_id\":\"g1\",\"odds\":1.0}"))));
        assertEquals("Sanitize: field 'market' is required but missing (record vendor.raw.events.nba-3@1234)", e.getMessage());
    }

    @Test
    void unicodeDeepAndLargeValues() throws Exception {
        Sanitize<SourceRecord> t = transform("allow.fields", "game_id,n");
        String uni = "{\"game_id\":\"ñ⚽\\u00e9\",\"x\":\"\uD83C\uDFC0\"}";
        assertEquals("{\"game_id\":\"ñ⚽é\"}", string(t.apply(odds(utf8(uni))).value()), "kept values, written by Jackson");
        String deep = Records.deeplyNested(500);
        assertEquals(JSON.readTree(deep), JSON.readTree(string(t.apply(odds(utf8(deep))).value())));
        assertEquals("{\"game_id\":\"g1\"}", string(transform("allow.fields", "game_id,n", "max.value.bytes", "2000000")
                .apply(odds(utf8(Records.oneMegabyte()))).value()));
        SourceRecord tooDeep = odds(utf8(Records.deeplyNested(5000)));
        assertDeadLettered(tooDeep, transform("allow.fields", "game_id", "dlq.topic", "dlq").apply(tooDeep), "dlq", "Sanitize", "JSON");
    }

    @Test
    void tombstonesAndDeadLetteredRecordsPassUntouched() {
        SourceRecord tombstone = odds(null);
        assertSame(tombstone, transform("allow.fields", "a").apply(tombstone));
        SourceRecord dead = transform("allow.fields", "a", "dlq.topic", "dlq").apply(odds(utf8("{")));
        assertSame(dead, transform("allow.fields", "a").apply(dead));
    }

    @Test
    void tombstonesAreDeadLetteredWhenAsked() {
        SourceRecord tombstone = odds(null);
        assertDeadLettered(tombstone, transform("public.schema", PUBLIC, "dlq.topic", "odds.updates.public.dlq",
                "transform.alias", "sanitize", "tombstones", "dead.letter").apply(tombstone),
                "odds.updates.public.dlq", "sanitize", "tombstone: a null value is not a record (tombstones=dead.letter)");
        DataException e = assertThrows(DataException.class,
                () -> transform("allow.fields", "a", "tombstones", "dead.letter").apply(odds(null)));
        assertTrue(e.getMessage().startsWith("Sanitize: tombstone: ") && e.getMessage().contains("vendor.raw.events.nba"), e.getMessage());
        assertSame(tombstone, transform("allow.fields", "a", "tombstones", "pass").apply(tombstone));
    }

    @Test
    void theSchemaMayBeInlineOrAFile(@TempDir Path dir) throws Exception {
        String schema = "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
        Path file = Files.writeString(dir.resolve("p.avsc"), schema);
        for (String s : List.of(schema, file.toString(), "file:" + file)) {
            assertEquals("{\"id\":\"x\"}", string(transform("public.schema", s).apply(odds(utf8("{\"id\":\"x\",\"y\":1}"))).value()));
        }
    }

    @Test
    void badConfigIsRejectedWithTheKey() {
        assertThrows(ConfigException.class, () -> transform());
        assertThrows(ConfigException.class, () -> transform("public.schema", PUBLIC, "allow.fields", "a"));
        for (String bad : List.of("classpath:nope.avsc", "/no/such/file", "{\"type\":\"string\"}", "{not json")) {
            ConfigException e = assertThrows(ConfigException.class, () -> transform("public.schema", bad));
            assertTrue(e.getMessage().contains("public.schema"), e.getMessage());
        }
    }

    @Test
    void configReferenceIsCurrent() {
        ConfigDocs.check("docs/config/Sanitize.md",
                ConfigDocs.markdown(Sanitize.class.getName(), Sanitize.OVERVIEW_DOC, Sanitize.CONFIG_DEF));
    }
}
