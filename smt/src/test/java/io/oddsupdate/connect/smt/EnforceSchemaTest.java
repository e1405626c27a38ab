package io.oddsupdate.connect.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.DeadLetterRoute;
import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.common.glue.GlueAvro;
import io.oddsupdate.connect.common.glue.GlueSettings;
import io.oddsupdate.connect.common.glue.RepoSchemas;
import io.oddsupdate.connect.testkit.ConfigDocs;

/** EnforceSchema with the local (repo-file) registry; {@link EnforceSchemaMotoTest} runs it against Glue's API. */
class EnforceSchemaTest {

    static final String VENDOR_JSON = "{\"event_id\":\"e-1\",\"game_id\":\"nba-g1\",\"league\":\"nba\",\"seq\":7,"
            + "\"event_ts\":1764000000000,\"type\":\"SCORE\",\"vendor_extra\":{\"feed\":\"x\"},"
            + "\"payload\":{\"period\":3,\"clock_remaining_s\":412,\"home_score\":88,\"away_score\":85}}";

    static EnforceSchema<SourceRecord> transform(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put(EnforceSchema.SCHEMA_CONFIG, "raw-event/v1");
        props.put(DeadLetterRoute.DLQ_TOPIC_CONFIG, "raw.events.dlq");
        props.putAll(extra);
        EnforceSchema<SourceRecord> t = new EnforceSchema<>();
        t.configure(props);
        return t;
    }

    static SourceRecord record(String topic, Object value) {
        return new SourceRecord(Map.of("cluster", "vendor", "topic", "vendor." + topic, "partition", 0), Map.of("offset", 41L),
                topic, 0, Schema.BYTES_SCHEMA, "k".getBytes(StandardCharsets.UTF_8), Schema.BYTES_SCHEMA, value, 1000L);
    }

    static String header(SourceRecord r, String name) {
        Header h = r.headers().lastWithName(name);
        return h == null ? null : (String) h.value();
    }

    @Test
    void configDocs() {
        ConfigDocs.check("docs/config/EnforceSchema.md",
                ConfigDocs.markdown(EnforceSchema.class.getName(), EnforceSchema.OVERVIEW_DOC, EnforceSchema.CONFIG_DEF));
    }

    /** Dead letters are counted per reason, on MBeans of this instance alone (tagged with its alias), gone at close. */
    @Test
    void deadLettersAreCountedPerReasonAsJmx() throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName mine = new javax.management.ObjectName("io.oddsupdate.connect:type=smt,transform=enforce-it,*");
        try (EnforceSchema<SourceRecord> t = transform(Map.of(DeadLetterRoute.TRANSFORM_ALIAS_CONFIG, "enforce-it", "tombstones", "dead.letter"))) {
            t.apply(record("raw.events.nba", "{\"event_id\":".getBytes(StandardCharsets.UTF_8)));
            t.apply(record("raw.events.nba", "{}".getBytes(StandardCharsets.UTF_8)));
            t.apply(record("raw.events.nba", null));
            t.apply(record("raw.events.nba", VENDOR_JSON.getBytes(StandardCharsets.UTF_8)));
            Map<String, Double> byReason = new HashMap<>();
            for (javax.management.ObjectName n : jmx.queryNames(mine, null)) {
                if (n.getKeyProperty("reason") != null) {
                    byReason.put(n.getKeyProperty("reason"), (Double) jmx.getAttribute(n, "dead-letters-total"));
                }
            }
            assertEquals(Map.of("invalid", 2.0, "tombstone", 1.0), byReason);
        }
        assertTrue(jmx.queryNames(mine, null).isEmpty(), "unregistered at close");
    }

    @Test
    void vendorJsonBecomesGlueAvro() {
        try (EnforceSchema<SourceRecord> t = transform(Map.of()); GlueAvro codec = new GlueAvro(GlueSettings.local())) {
            SourceRecord out = t.apply(record("raw.events.nba", VENDOR_JSON.getBytes(StandardCharsets.UTF_8)));
            assertEquals("raw.events.nba", out.topic());
            byte[] bytes = (byte[]) out.value();
            assertTrue(GlueAvro.isGlueEncoded(bytes));
            GenericRecord r = codec.decode(bytes);
            assertEquals("io.oddsupdate.events.VendorEvent", r.getSchema().getFullName());
            assertEquals(7L, r.get("seq"));
            assertEquals("SCORE", r.get("type").toString());
            assertEquals(3, ((GenericRecord) r.get("payload")).get("period"));
            assertNull(r.getSchema().getField("vendor_extra"), "fields the schema does not name are dropped");
            // the transforms after it read the Glue-Avro value with codecs of their own
            assertEquals("nba-g1", new PayloadCodec(codec).read(out.valueSchema(), out.value()).firstScalar(java.util.List.of(FieldPath.parse("game_id"))));
        }
    }

    @Test
    void recordsThatDoNotFitAreDeadLetteredWithTheReason() {
        try (EnforceSchema<SourceRecord> t = transform(Map.of(DeadLetterRoute.TRANSFORM_ALIAS_CONFIG, "enforce"))) {
            Map<String, String> cases = Map.of(
                    VENDOR_JSON.replace("\"seq\":7", "\"seq\":\"seven\""), "enforce: field 'seq': expected long, got string \"seven\"",
                    VENDOR_JSON.replace("\"game_id\":\"nba-g1\",", ""), "enforce: field 'game_id' is required but missing",
                    VENDOR_JSON.replace("SCORE", "TIMEOUT"), "enforce: field 'type': expected one of [GAME_START, SCORE, CLOCK, PLAYER_STAT, GAME_END], got string \"TIMEOUT\"",
                    VENDOR_JSON.replace("\"period\":3", "\"period\":2.5"), "enforce: field 'payload.period': expected int, got Double 2.5",
                    "{\"event_id\":", "enforce: malformed JSON");
            cases.forEach((json, reason) -> {
                byte[] in = json.getBytes(StandardCharsets.UTF_8);
                SourceRecord out = t.apply(record("raw.events.nba", in));
                assertEquals("raw.events.dlq", out.topic(), json);
                assertSame(in, out.value(), "dead-lettered unchanged");
                assertTrue(header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER).startsWith(reason),
                        header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER) + " should start with " + reason);
                assertEquals("vendor.raw.events.nba", header(out, DeadLetterRoute.ORIGINAL_TOPIC_HEADER));
                assertEquals("41", header(out, DeadLetterRoute.ORIGINAL_OFFSET_HEADER));
            });
        }
    }

    @Test
    void withoutADeadLetterTopicAFailureNamesTransformAndRecord() {
        try (EnforceSchema<SourceRecord> t = transform(Map.of(DeadLetterRoute.DLQ_TOPIC_CONFIG, ""))) {
            DataException e = assertThrows(DataException.class, () -> t.apply(record("raw.events.nba", "[]".getBytes(StandardCharsets.UTF_8))));
            assertEquals("EnforceSchema: field '(root)': expected record io.oddsupdate.events.VendorEvent, got ArrayList [] "
                    + "(record vendor.raw.events.nba-0@41)", e.getMessage());
        }
    }

    @Test
    void tombstonesPassOrAreDeadLetteredWhenAsked() {
        SourceRecord tombstone = record("odds.updates.public.nba", null);
        try (EnforceSchema<SourceRecord> t = transform(Map.of())) {
            assertSame(tombstone, t.apply(tombstone));
        }
        try (EnforceSchema<SourceRecord> t = transform(Map.of(EnforceSchema.SCHEMA_CONFIG, "odds-update-public/v1",
                DeadLetterRoute.TRANSFORM_ALIAS_CONFIG, "sanitize", "tombstones", "dead.letter"))) {
            SourceRecord out = t.apply(tombstone);
            assertEquals("raw.events.dlq", out.topic());
            assertEquals("sanitize: tombstone: a null value is not a record (tombstones=dead.letter)",
                    header(out, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER));
        }
    }

    @Test
    void edgeHopReencodesTheInternalUpdateWithThePublicSchema() {
        Map<String, Object> internal = new HashMap<>();
        internal.put("event_uid", "u-1");
        internal.put("event_ts", 1764000000000L);
        internal.put("league", "nba");
        internal.put("game_id", "nba-g1");
        internal.put("market", "moneyline");
        internal.put("odds", -115.0);
        internal.put("fair_prob", 0.52);
        try (GlueAvro codec = new GlueAvro(GlueSettings.local());
             EnforceSchema<SourceRecord> t = transform(Map.of(EnforceSchema.SCHEMA_CONFIG, "odds-update-public/v1",
                     DeadLetterRoute.DLQ_TOPIC_CONFIG, "odds.updates.public.dlq"))) {
            byte[] in = codec.encode("odds.updates.internal.nba", Conformance.toRecord(internal, RepoSchemas.get("odds-update-internal/v2").schema()));
            SourceRecord out = t.apply(record("odds.updates.public.nba", in));
            GenericRecord r = codec.decode((byte[]) out.value());
            assertEquals("io.oddsupdate.public.PublicOddsUpdate", r.getSchema().getFullName());
            assertEquals(-115.0, r.get("odds"));
            // a record of another schema (a vendor event on the edge) lacks what the public schema requires
            byte[] wrong = (byte[]) transform(Map.of()).apply(record("raw.events.nba", VENDOR_JSON.getBytes(StandardCharsets.UTF_8))).value();
            SourceRecord dead = t.apply(record("odds.updates.public.nba", wrong));
            assertEquals("odds.updates.public.dlq", dead.topic());
            assertTrue(header(dead, DeadLetterRoute.EXCEPTION_MESSAGE_HEADER).contains("field 'event_uid' is required but missing"));
        }
    }

    @Test
    void anUnknownRepoSchemaIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class, () -> transform(Map.of(EnforceSchema.SCHEMA_CONFIG, "raw-event/v9")));
        assertTrue(e.getMessage().contains("raw-event/v1"), e.getMessage());
    }
}
