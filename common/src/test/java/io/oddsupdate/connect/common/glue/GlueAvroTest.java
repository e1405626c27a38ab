package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.common.Conformance;

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
        GenericRecord event = Conformance.toRecord(vendorEvent("e-1", 7), schema);
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
            assertThrows(SchemaRejectedException.class, () -> codec.encode("t", Conformance.toRecord(publicUpdate(), changed)));
            byte[] unknown = codec.encode("t", Conformance.toRecord(publicUpdate(), v1));
            unknown[5] ^= 1;
            SchemaRejectedException e = assertThrows(SchemaRejectedException.class, () -> codec.decode(unknown));
            assertTrue(e.getMessage().contains("unknown schema version id"), e.getMessage());
        }
    }
}
