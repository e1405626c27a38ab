package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The local registry (repo schema files) and the conversion rules, without any AWS. */
class GlueAvroTest {

    static Map<String, Object> vendorEvent(String eventId, long seq) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("period", 3);
        payload.put("clock_remaining_s", 412);
        payload.put("home_score", 88);
        payload.put("away_score", 85);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event_id", eventId);
        e.put("game_id", "nba-2026-11-24-bos-nyk");
        e.put("league", "nba");
        e.put("seq", seq);
        e.put("event_ts", 1764000000000L + seq);
        e.put("type", "SCORE");
        e.put("payload", payload);
        return e;
    }

    static Map<String, Object> publicUpdate() {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("event_uid", "u-1");
        u.put("event_ts", 1764000000000L);
        u.put("league", "nba");
        u.put("game_id", "nba-2026-11-24-bos-nyk");
        u.put("market", "moneyline");
        u.put("selection", "home");
        u.put("odds", -115.0);
        u.put("decimal_odds", 1.87);
        return u;
    }

    @Test
    void localRegistryRoundTripsWithDeterministicIds() {
        Schema schema = RepoSchemas.get("raw-event/v1").schema();
        GenericRecord event = AvroValues.toRecord(vendorEvent("e-1", 7), schema);
        try (GlueAvro a = new GlueAvro(GlueSettings.local()); GlueAvro b = new GlueAvro(GlueSettings.local())) {
            byte[] bytes = a.encode("raw.events.nba", event);
            assertTrue(GlueAvro.isGlueEncoded(bytes));
            assertEquals(UUID.nameUUIDFromBytes("odds-update:schemas/raw-event/v1".getBytes()), a.versionId(bytes));
            assertEquals(event, b.decode(bytes), "another task decodes it from the repo files alone");
            assertArrayEquals(bytes, b.encode("raw.events.mlb", event), "schema name does not matter locally");
        }
    }

    @Test
    void localRegistryRejectsSchemasThatAreNotReleased() {
        Schema v1 = RepoSchemas.get("odds-update-public/v1").schema();
        Schema changed = SchemaCompatibilityGateTest.withField(v1, "{\"name\": \"x\", \"type\": [\"null\", \"int\"], \"default\": null}");
        try (GlueAvro codec = new GlueAvro(GlueSettings.local())) {
            assertThrows(SchemaRejectedException.class, () -> codec.encode("t", AvroValues.toRecord(publicUpdate(), changed)));
            byte[] unknown = codec.encode("t", AvroValues.toRecord(publicUpdate(), v1));
            unknown[5] ^= 1;
            SchemaRejectedException e = assertThrows(SchemaRejectedException.class, () -> codec.decode(unknown));
            assertTrue(e.getMessage().contains("unknown schema version id"), e.getMessage());
        }
    }

    @Test
    void conversionNamesTheFieldThatDoesNotFit() {
        Schema schema = RepoSchemas.get("raw-event/v1").schema();
        Map<String, Object> wrongType = vendorEvent("e-1", 1);
        wrongType.put("seq", "seven");
        assertEquals("field 'seq': expected long, got string \"seven\"",
                assertThrows(SchemaRejectedException.class, () -> AvroValues.toRecord(wrongType, schema)).getMessage());
        Map<String, Object> missing = vendorEvent("e-1", 1);
        missing.remove("game_id");
        assertEquals("field 'game_id' is required but missing",
                assertThrows(SchemaRejectedException.class, () -> AvroValues.toRecord(missing, schema)).getMessage());
        Map<String, Object> badEnum = vendorEvent("e-1", 1);
        badEnum.put("type", "TIMEOUT");
        assertTrue(assertThrows(SchemaRejectedException.class, () -> AvroValues.toRecord(badEnum, schema)).getMessage()
                .startsWith("field 'type': expected one of [GAME_START, SCORE"));
        Map<String, Object> nested = vendorEvent("e-1", 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> payload = (Map<String, Object>) nested.get("payload");
        payload.put("period", 2.5);
        assertEquals("field 'payload.period': expected int, got Double 2.5",
                assertThrows(SchemaRejectedException.class, () -> AvroValues.toRecord(nested, schema)).getMessage());
    }

    @Test
    void conversionDropsUnknownFieldsAndAcceptsIsoTimestamps() {
        Schema schema = RepoSchemas.get("raw-event/v1").schema();
        Map<String, Object> e = vendorEvent("e-1", 1);
        e.put("vendor_internal", "x");
        e.put("event_ts", "2026-11-24T12:00:00Z");
        GenericRecord r = AvroValues.toRecord(e, schema);
        assertEquals(1795521600000L, r.get("event_ts"));
        assertFalse(AvroValues.toMap(r).containsKey("vendor_internal"));
        assertEquals(null, r.get("model_version"), "optional field absent: its default");
    }

    @Test
    void anInternalUpdateProjectsOntoThePublicSchema() {
        Map<String, Object> internal = publicUpdate();
        internal.put("fair_prob", 0.52);
        internal.put("model_inputs", Map.of("lead", 3.0));
        GenericRecord in = AvroValues.toRecord(internal, RepoSchemas.get("odds-update-internal/v2").schema());
        GenericRecord out = AvroValues.toRecord(in, RepoSchemas.get("odds-update-public/v1").schema());
        assertEquals(AvroValues.toRecord(publicUpdate(), RepoSchemas.get("odds-update-public/v1").schema()), out);
    }

    @Test
    void theStreamingJsonPathAgreesWithTheTreePath() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        Schema schema = RepoSchemas.get("raw-event/v1").schema();
        Map<String, Object> e = vendorEvent("e-1", 3_000_000_000L);
        e.put("event_ts", "2026-11-24T12:00:00Z");
        e.put("extra", Map.of("nested", java.util.List.of(1, 2, Map.of("x", "y"))));
        e.put("model_version", null);
        byte[] json = m.writeValueAsBytes(e);
        GenericRecord streamed = JsonAvroReader.read(json, schema);
        assertEquals(AvroValues.toRecord(m.readValue(json, Object.class), schema), streamed);
        assertEquals(streamed, AvroValues.fromJson(json, schema, () -> {
            throw new AssertionError("the tree path must not run for JSON that fits");
        }));
        Map<String, Object> internal = publicUpdate();
        internal.put("model_inputs", Map.of("lead", 3, "mu", 1.5));
        byte[] internalJson = m.writeValueAsBytes(internal);
        Schema v2 = RepoSchemas.get("odds-update-internal/v2").schema();
        assertEquals(AvroValues.toRecord(m.readValue(internalJson, Object.class), v2), JsonAvroReader.read(internalJson, v2));
        // what the fast path does not accept, it leaves to the tree path (and its precise error)
        for (String bad : new String[] {"[]", "{\"event_id\": 1}", "{\"a\":1,\"a\":2}", "{} trailing", "{\"event_id\":\"e\""}) {
            assertEquals(null, JsonAvroReader.read(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8), schema), bad);
        }
    }
}
