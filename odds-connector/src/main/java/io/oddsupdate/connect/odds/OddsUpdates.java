package io.oddsupdate.connect.odds;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.ConnectAvro;
import io.oddsupdate.connect.common.glue.RepoSchemas;

/**
 * The internal odds update ({@code schemas/odds-update-internal/v2.avsc}, record {@code com.example.odds.OddsUpdate}):
 * its Connect schema, from the Avro file shipped in {@code odds-update-common}, and the two forms it takes on
 * the way through: a Redis stream entry written by the sink (one field, {@value #ENTRY_FIELD}, holding the record as
 * JSON, nulls omitted), and the {@link Struct} the source emits.
 */
final class OddsUpdates {

    static final org.apache.avro.Schema AVRO = RepoSchemas.get("odds-update-internal/v2").schema();
    static final Schema SCHEMA = new ConnectAvro().schema(AVRO);
    /** The one field of a stream entry: the odds update as JSON (one argument per output keeps the script call cheap). */
    static final String ENTRY_FIELD = "u";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    private OddsUpdates() {
    }

    /** {@code event_uid}: a name-based UUID of (event_id, market, selection), so a replay yields the same uid. */
    static String eventUid(String eventId, String market, String selection) {
        return UUID.nameUUIDFromBytes((eventId + "|" + market + "|" + selection).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The stream entry of one quote priced from {@code e}, read at {@code topic/partition/offset}. */
    static Map<String, String> entry(Quote q, VendorEvent e, String topic, int partition, long offset, long ingestTs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_uid", eventUid(e.eventId(), q.market(), q.selection()));
        m.put("event_ts", e.eventTs());
        m.put("ingest_ts", ingestTs);
        m.put("league", e.league());
        m.put("game_id", e.gameId());
        putIfNotNull(m, "team_id", q.teamId());
        putIfNotNull(m, "player_id", q.playerId());
        m.put("market", q.market());
        m.put("odds", q.american());
        m.put("model_version", PricingModel.VERSION);
        m.put("source_topic", topic);
        m.put("source_partition", partition);
        m.put("source_offset", offset);
        m.put("selection", q.selection());
        putIfNotNull(m, "line", q.line());
        m.put("decimal_odds", q.decimal());
        m.put("fair_prob", q.fairProb());
        m.put("model_inputs", q.inputs());
        try {
            return Map.of(ENTRY_FIELD, JSON.writeValueAsString(m));
        } catch (JsonProcessingException ex) {
            throw new DataException("cannot encode odds update " + m, ex);
        }
    }

    /** The fields of a stream entry: the odds update's JSON object (field name → JSON value). */
    static Map<String, Object> fields(Map<String, String> entry) {
        String json = entry.get(ENTRY_FIELD);
        if (json == null) {
            throw new DataException("stream entry has no '" + ENTRY_FIELD + "' field: " + entry.keySet());
        }
        try {
            return JSON.readValue(json, OBJECT);
        } catch (JsonProcessingException ex) {
            throw new DataException("stream entry is not a JSON object: " + ex.getOriginalMessage());
        }
    }

    /** The {@link Struct} of a stream entry, through the conformance engine; a field the schema does not know is ignored. */
    static Struct struct(Map<String, String> entry) {
        return (Struct) ConnectAvro.value(Conformance.toRecord(fields(entry), AVRO), SCHEMA);
    }

    private static void putIfNotNull(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
