package io.oddsupdate.connect.odds;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.DataException;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.common.glue.RepoSchemas;

/**
 * A vendor event: a value the bundle's conformance engine makes a record of {@code schemas/raw-event/v1.avsc} (the
 * Struct GlueAvroConverter delivers, a schemaless Map, or JSON as {@code byte[]}/{@code String}), so the odds sink
 * accepts exactly what the vendor hop's EnforceSchema let through, and refuses the rest with the same reasons.
 */
record VendorEvent(String eventId, String gameId, String league, long seq, long eventTs, Type type, String modelVersion,
                   Payload payload) {

    static final org.apache.avro.Schema SCHEMA = RepoSchemas.get("raw-event/v1").schema();

    enum Type { GAME_START, SCORE, CLOCK, PLAYER_STAT, GAME_END }

    record Payload(Integer period, Integer clockRemainingS, Integer outs, Boolean topOfInning, Integer homeScore,
                   Integer awayScore, String teamId, String playerId, String stat, Double statValue) {
    }

    /** Reads an event, JSON with the caller's codec; a {@link DataException} names the first unusable field. */
    static VendorEvent from(Object value, PayloadCodec json) {
        if (value == null) {
            throw new DataException("tombstone: the record has no value");
        }
        Object tree = value instanceof String s ? json.decodeJson(s.getBytes(StandardCharsets.UTF_8)) : json.read(null, value).tree();
        GenericRecord e = Conformance.toRecord(tree, SCHEMA);
        GenericRecord p = (GenericRecord) e.get("payload");
        return new VendorEvent(nonEmpty(e, "event_id"), nonEmpty(e, "game_id"), nonEmpty(e, "league").toLowerCase(Locale.ROOT),
                (Long) e.get("seq"), (Long) e.get("event_ts"), Type.valueOf(e.get("type").toString()), string(e, "model_version"),
                new Payload((Integer) p.get("period"), (Integer) p.get("clock_remaining_s"), (Integer) p.get("outs"),
                        (Boolean) p.get("top_of_inning"), (Integer) p.get("home_score"), (Integer) p.get("away_score"),
                        string(p, "team_id"), string(p, "player_id"), string(p, "stat"), (Double) p.get("stat_value")));
    }

    private static String string(GenericRecord r, String field) {
        Object v = r.get(field);
        return v == null ? null : v.toString();
    }

    private static String nonEmpty(GenericRecord r, String field) {
        String s = string(r, field);
        if (s.isEmpty()) {
            throw new DataException("field '" + field + "' is empty");
        }
        return s;
    }
}
