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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The internal odds update ({@code schemas/odds-update-internal/v2.avsc}, record {@code com.example.odds.OddsUpdate}):
 * its Connect schema, built from the Avro file shipped in {@code odds-update-common}, and the two forms it takes on
 * the way through: a flat Redis stream entry (field name → string, nulls omitted, {@code model_inputs.<k>} per model
 * input) written by the sink, and the {@link Struct} the source emits.
 */
final class OddsUpdates {

    static final String SCHEMA_RESOURCE = "/schemas/odds-update-internal/v2.avsc";
    static final Schema SCHEMA = load();
    static final String MODEL_INPUT_PREFIX = "model_inputs.";

    private OddsUpdates() {
    }

    /** {@code event_uid}: a name-based UUID of (event_id, market, selection), so a replay yields the same uid. */
    static String eventUid(String eventId, String market, String selection) {
        return UUID.nameUUIDFromBytes((eventId + "|" + market + "|" + selection).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The stream entry of one quote priced from {@code e}, read at {@code topic/partition/offset}. */
    static Map<String, String> entry(Quote q, VendorEvent e, String topic, int partition, long offset, long ingestTs) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("event_uid", eventUid(e.eventId(), q.market(), q.selection()));
        m.put("event_ts", Long.toString(e.eventTs()));
        m.put("ingest_ts", Long.toString(ingestTs));
        m.put("league", e.league());
        m.put("game_id", e.gameId());
        putIfNotNull(m, "team_id", q.teamId());
        putIfNotNull(m, "player_id", q.playerId());
        m.put("market", q.market());
        m.put("odds", Double.toString(q.american()));
        m.put("model_version", PricingModel.VERSION);
        m.put("source_topic", topic);
        m.put("source_partition", Integer.toString(partition));
        m.put("source_offset", Long.toString(offset));
        m.put("selection", q.selection());
        putIfNotNull(m, "line", q.line() == null ? null : q.line().toString());
        m.put("decimal_odds", Double.toString(q.decimal()));
        m.put("fair_prob", Double.toString(q.fairProb()));
        q.inputs().forEach((k, v) -> m.put(MODEL_INPUT_PREFIX + k, Double.toString(v)));
        return m;
    }

    /** The {@link Struct} of a stream entry; a field the schema does not know is ignored (forward compatibility). */
    static Struct struct(Map<String, String> entry) {
        Struct s = new Struct(SCHEMA);
        Map<String, Double> inputs = null;
        for (Map.Entry<String, String> f : entry.entrySet()) {
            String name = f.getKey();
            if (name.startsWith(MODEL_INPUT_PREFIX)) {
                if (inputs == null) {
                    inputs = new HashMap<>();
                }
                inputs.put(name.substring(MODEL_INPUT_PREFIX.length()), Double.valueOf(f.getValue()));
                continue;
            }
            org.apache.kafka.connect.data.Field field = SCHEMA.field(name);
            if (field != null) {
                s.put(field, value(field.schema(), f.getValue()));
            }
        }
        if (inputs != null) {
            s.put("model_inputs", inputs);
        }
        s.validate();
        return s;
    }

    private static Object value(Schema schema, String v) {
        if (Timestamp.LOGICAL_NAME.equals(schema.name())) {
            return new Date(Long.parseLong(v));
        }
        return switch (schema.type()) {
            case STRING -> v;
            case INT32 -> Integer.valueOf(v);
            case INT64 -> Long.valueOf(v);
            case FLOAT64 -> Double.valueOf(v);
            case BOOLEAN -> Boolean.valueOf(v);
            default -> throw new DataException("unsupported stream field type " + schema.type());
        };
    }

    private static void putIfNotNull(Map<String, String> m, String k, String v) {
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
