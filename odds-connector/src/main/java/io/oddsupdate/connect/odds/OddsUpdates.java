package io.oddsupdate.connect.odds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The internal odds update ({@code schemas/odds-update-internal/v2.avsc}, record {@code com.example.odds.OddsUpdate}):
 * its Connect schema, built from the Avro file shipped in {@code odds-update-common}, and the two forms it takes on
 * the way through: a Redis stream entry written by the sink (one field, {@value #ENTRY_FIELD}, holding the record as
 * JSON, nulls omitted), and the {@link Struct} the source emits.
 */
final class OddsUpdates {

    static final String SCHEMA_RESOURCE = "/schemas/odds-update-internal/v2.avsc";
    static final Schema SCHEMA = load();
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

    /** The {@link Struct} of a stream entry; a field the schema does not know is ignored (forward compatibility). */
    static Struct struct(Map<String, String> entry) {
        Struct s = new Struct(SCHEMA);
        for (Map.Entry<String, Object> f : fields(entry).entrySet()) {
            org.apache.kafka.connect.data.Field field = SCHEMA.field(f.getKey());
            if (field != null && f.getValue() != null) {
                s.put(field, value(field.schema(), f.getValue()));
            }
        }
        s.validate();
        return s;
    }

    private static Object value(Schema schema, Object v) {
        if (Timestamp.LOGICAL_NAME.equals(schema.name())) {
            return new Date(((Number) v).longValue());
        }
        return switch (schema.type()) {
            case STRING -> v.toString();
            case INT32 -> ((Number) v).intValue();
            case INT64 -> ((Number) v).longValue();
            case FLOAT64 -> ((Number) v).doubleValue();
            case BOOLEAN -> (Boolean) v;
            case MAP -> {
                Map<String, Double> m = new HashMap<>();
                ((Map<?, ?>) v).forEach((k, d) -> m.put(k.toString(), ((Number) d).doubleValue()));
                yield m;
            }
            default -> throw new DataException("unsupported field type " + schema.type());
        };
    }

    private static void putIfNotNull(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /** Avro record → Connect schema, for the types this record uses (primitives, nullable unions, timestamp-millis, map). */
    private static Schema load() {
        try (InputStream in = OddsUpdates.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + SCHEMA_RESOURCE + " (shipped in odds-update-common)");
            }
            JsonNode avro = new ObjectMapper().readTree(in);
            SchemaBuilder b = SchemaBuilder.struct().name(avro.get("namespace").asText() + "." + avro.get("name").asText())
                    .version(2).doc(avro.path("doc").asText(null));
            for (JsonNode f : avro.get("fields")) {
                b.field(f.get("name").asText(), fieldSchema(f.get("type"), false));
            }
            return b.build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SCHEMA_RESOURCE, e);
        }
    }

    private static Schema fieldSchema(JsonNode type, boolean optional) {
        if (type.isArray()) {
            JsonNode nonNull = null;
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    nonNull = t;
                }
            }
            return fieldSchema(nonNull, true);
        }
        SchemaBuilder b;
        if (type.isObject()) {
            String t = type.get("type").asText();
            if ("long".equals(t) && "timestamp-millis".equals(type.path("logicalType").asText())) {
                b = Timestamp.builder();
            } else if ("map".equals(t)) {
                b = SchemaBuilder.map(Schema.STRING_SCHEMA, fieldSchema(type.get("values"), false));
            } else {
                return fieldSchema(type.get("type"), optional);
            }
        } else {
            b = switch (type.asText()) {
                case "string" -> SchemaBuilder.string();
                case "int" -> SchemaBuilder.int32();
                case "long" -> SchemaBuilder.int64();
                case "double" -> SchemaBuilder.float64();
                case "boolean" -> SchemaBuilder.bool();
                default -> throw new IllegalStateException("unsupported Avro type " + type);
            };
        }
        return optional ? b.optional().build() : b.build();
    }
}
