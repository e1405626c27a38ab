package io.oddsupdate.connect.smt;

import static io.oddsupdate.connect.smt.Records.assertDeadLettered;
import static io.oddsupdate.connect.smt.Records.count;
import static io.oddsupdate.connect.smt.Records.header;
import static io.oddsupdate.connect.smt.Records.mapRecord;
import static io.oddsupdate.connect.smt.Records.mirrored;
import static io.oddsupdate.connect.smt.Records.structRecord;
import static io.oddsupdate.connect.smt.Records.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.oddsupdate.connect.testkit.ConfigDocs;

class InjectHeadersTest {

    static InjectHeaders<SourceRecord> transform(String... kv) {
        InjectHeaders<SourceRecord> t = new InjectHeaders<>();
        t.configure(Records.props(kv));
        return t;
    }

    static void assertRoutingHeaders(SourceRecord out) {
        assertEquals("nba", header(out, "league"));
        assertEquals("g1", header(out, "game_id"));
        assertEquals("e1", header(out, "event_id"));
        assertEquals("p9", header(out, "player_id"));
        assertEquals("m3", header(out, "model_version"));
    }

    @Test
    void setsEveryHeaderOnAMirrorMakerByteRecord() {
        SourceRecord in = mirrored(utf8(Records.VENDOR_EVENT));
        SourceRecord out = transform().apply(in);
        assertRoutingHeaders(out);
        assertSame(in.value(), out.value());
        assertSame(in.key(), out.key());
        assertEquals(3, out.kafkaPartition());
        assertEquals(1, in.headers().size(), "the input's headers are not modified");
        assertTrue(out.headers().lastWithName("vendor-trace") != null);
    }

    @Test
    void setsEveryHeaderOnByteBufferStructAndMapRecords() {
        assertRoutingHeaders(transform().apply(mirrored(ByteBuffer.wrap(utf8(Records.VENDOR_EVENT)))));
        assertRoutingHeaders(transform().apply(structRecord(Records.event("g1"))));
        assertRoutingHeaders(transform().apply(mapRecord(Records.eventMap("g1"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vendor.raw.events.nba", "raw.events.nba", "odds.updates.internal.nba", "odds.updates.public.nba",
            "vendor.raw.events.nba"})
    void readsTheLeagueFromEveryPipelineTopic(String topic) {
        assertEquals("nba", header(transform().apply(mirrored(topic, utf8("{\"game_id\":\"g1\"}"))), "league"));
    }

    @Test
    void writesUtf8BytesForAByteArrayHeaderConverter() {
        SourceRecord out = transform("header.format", "bytes").apply(mirrored(utf8("{\"game_id\":\"ñ1\"}")));
        org.apache.kafka.connect.header.Header h = out.headers().lastWithName("game_id");
        assertEquals(org.apache.kafka.connect.data.Schema.BYTES_SCHEMA, h.schema());
        assertEquals("ñ1", new String((byte[]) h.value(), java.nio.charset.StandardCharsets.UTF_8));
        org.apache.kafka.connect.converters.ByteArrayConverter converter = new org.apache.kafka.connect.converters.ByteArrayConverter();
        converter.configure(Map.of(), false);
        for (org.apache.kafka.connect.header.Header each : out.headers()) {
            converter.fromConnectHeader(out.topic(), each.key(), each.schema(), each.value()); // does not throw
        }
        SourceRecord dead = transform("header.format", "bytes", "dlq.topic", "dlq").apply(mirrored(utf8("{")));
        assertTrue(io.oddsupdate.connect.common.DeadLetterRoute.isDeadLettered(dead));
        for (org.apache.kafka.connect.header.Header each : dead.headers()) {
            converter.fromConnectHeader(dead.topic(), each.key(), each.schema(), each.value());
        }
        assertEquals("vendor.raw.events.nba", header(dead, "__connect.errors.topic"));
    }

    @Test
    void replacesExistingHeadersAndNeverDuplicates() {
        SourceRecord in = mirrored(utf8(Records.VENDOR_EVENT));
        in.headers().addString("game_id", "stale").addString("game_id", "stale2").addString("league", "old");
        SourceRecord out = transform().apply(transform().apply(in));
        assertEquals(1, count(out, "game_id"));
        assertEquals(1, count(out, "league"));
        assertRoutingHeaders(out);
    }

    @Test
    void missingOptionalValuesAreOmittedAndModelVersionFallsBack() {
        SourceRecord out = transform("model.version", "v-static").apply(mirrored(utf8("{\"game_id\":7,\"payload\":{}}")));
        assertEquals("7", header(out, "game_id"));
        assertNull(header(out, "event_id"));
        assertNull(header(out, "player_id"));
        assertEquals("v-static", header(out, "model_version"));
        assertEquals("m3", header(transform("model.version", "v-static").apply(mirrored(utf8(Records.VENDOR_EVENT))), "model_version"));
    }

    @Test
    void missingRequiredValuesAreDeadLetteredOrFail() {
        SourceRecord noEvent = mirrored(utf8("{\"game_id\":\"g1\"}"));
        assertDeadLettered(noEvent, transform("required.headers", "league,game_id,event_id", "dlq.topic", "raw.events.dlq",
                "transform.alias", "headers").apply(noEvent), "raw.events.dlq", "headers", "required header 'event_id'");
        SourceRecord otherTopic = mirrored("some.topic", utf8(Records.VENDOR_EVENT));
        DataException e = assertThrows(DataException.class, () -> transform().apply(otherTopic));
        assertEquals("InjectHeaders: required header 'league': topic 'some.topic' does not match league.topic.regex"
                + " (record vendor.raw.events.nba-3@1234)", e.getMessage());
        assertEquals("x", header(transform("league.topic.regex", "^(?<league>[a-z]+)\\..*").apply(mirrored("x.y", utf8("{\"game_id\":1}"))), "league"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"game_id\":\"g1\"} {}", "{\"game_id\":{\"a\":1}}", "{\"game_id\":\"g1\",\"event_id\":[1]}"})
    void malformedAndWronglyTypedValuesAreDeadLettered(String value) {
        SourceRecord in = mirrored(utf8(value));
        assertDeadLettered(in, transform("dlq.topic", "dlq").apply(in), "dlq", "InjectHeaders", "");
    }

    @Test
    void unicodeDeepAndLargeValues() {
        assertEquals("ñ⚽", header(transform().apply(mirrored(utf8("{\"game_id\":\"ñ⚽\"}"))), "game_id"));
        assertEquals("g1", header(transform().apply(mirrored(utf8(Records.deeplyNested(500)))), "game_id"));
        SourceRecord big = transform("max.value.bytes", "2000000").apply(mirrored(utf8(Records.oneMegabyte())));
        assertEquals("g1", header(big, "game_id"));
        assertEquals("e1", header(big, "event_id"));
        SourceRecord tooDeep = mirrored(utf8(Records.deeplyNested(5000)));
        assertDeadLettered(tooDeep, transform("dlq.topic", "dlq").apply(tooDeep), "dlq", "InjectHeaders", "JSON");
    }

    @Test
    void tombstonesAndDeadLetteredRecordsPassUntouched() {
        SourceRecord tombstone = mirrored(null);
        assertSame(tombstone, transform().apply(tombstone));
        SourceRecord dead = new CanonicalKey<SourceRecord>() {{ configure(Map.of("dlq.topic", "dlq")); }}.apply(mirrored(utf8("x")));
        assertSame(dead, transform().apply(dead));
    }

    @Test
    void badConfigIsRejectedWithTheKey() {
        assertTrue(assertThrows(ConfigException.class, () -> transform("league.topic.regex", "raw\\.(.*)")).getMessage()
                .contains("league.topic.regex"));
        assertThrows(ConfigException.class, () -> transform("league.topic.regex", "(?<league>"));
        assertThrows(ConfigException.class, () -> transform("required.headers", "league,team"));
    }

    @Test
    void configReferenceIsCurrent() {
        ConfigDocs.check("docs/config/InjectHeaders.md",
                ConfigDocs.markdown(InjectHeaders.class.getName(), InjectHeaders.OVERVIEW_DOC, InjectHeaders.CONFIG_DEF));
    }
}
