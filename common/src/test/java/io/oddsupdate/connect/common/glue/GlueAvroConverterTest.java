package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Date;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.Projection;
import io.oddsupdate.connect.testkit.ConfigDocs;

class GlueAvroConverterTest {

    static final Schema ODDS = SchemaBuilder.struct().name("OddsUpdate")
            .field("event_uid", Schema.STRING_SCHEMA)
            .field("event_ts", Timestamp.SCHEMA)
            .field("league", Schema.STRING_SCHEMA)
            .field("game_id", Schema.STRING_SCHEMA)
            .field("market", Schema.STRING_SCHEMA)
            .field("odds", Schema.FLOAT64_SCHEMA)
            .field("selection", Schema.OPTIONAL_STRING_SCHEMA)
            .field("fair_prob", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();

    static Struct odds() {
        return new Struct(ODDS).put("event_uid", "u-1").put("event_ts", new Date(1764000000000L)).put("league", "nba")
                .put("game_id", "g-1").put("market", "moneyline").put("odds", -115.0).put("selection", "home").put("fair_prob", 0.52);
    }

    static GlueAvroConverter converter(String schema) {
        GlueAvroConverter c = new GlueAvroConverter();
        c.configure(Map.of(GlueAvroConverter.SCHEMA_CONFIG, schema), false);
        return c;
    }

    @Test
    void configDocs() {
        ConfigDocs.check("docs/config/GlueAvroConverter.md",
                ConfigDocs.markdown(GlueAvroConverter.class.getName(), GlueAvroConverter.OVERVIEW, GlueAvroConverter.CONFIG_DEF));
    }

    @Test
    void structsRoundTripThroughGlueAvroLocally() {
        GlueAvroConverter writer = converter("odds-update-internal/v2");
        byte[] bytes = writer.fromConnectData("odds.updates.internal.nba", ODDS, odds());
        assertTrue(GlueAvro.isGlueEncoded(bytes));
        SchemaAndValue read = converter("").toConnectData("odds.updates.internal.nba", bytes);
        Struct s = (Struct) read.value();
        assertEquals("com.example.odds.OddsUpdate", read.schema().name());
        assertEquals("u-1", s.get("event_uid"));
        assertEquals(new Date(1764000000000L), s.get("event_ts"));
        assertEquals(0.52, s.get("fair_prob"));
        assertNull(s.get("model_inputs"), "a v2 field the Struct did not have: its default");
        assertNull(writer.fromConnectData("t", ODDS, null), "tombstones stay tombstones");
        assertEquals(SchemaAndValue.NULL, writer.toConnectData("t", null));
    }

    @Test
    void aStructThatDoesNotFitFailsNamingTheField() {
        Struct missing = new Struct(SchemaBuilder.struct().field("event_uid", Schema.STRING_SCHEMA).build()).put("event_uid", "u");
        DataException e = assertThrows(DataException.class, () -> converter("odds-update-internal/v2").fromConnectData("t", missing.schema(), missing));
        assertTrue(e.getMessage().contains("topic t: field 'event_ts' is required but missing"), e.getMessage());
    }

    @Test
    void thePayloadLayerReadsAndRewritesGlueAvroBytes() {
        GlueAvroConverter writer = converter("odds-update-internal/v2"); // registers the glue-avro byte format
        byte[] bytes = writer.fromConnectData("odds.updates.internal.nba", ODDS, odds());
        Payload p = Payload.of(Schema.BYTES_SCHEMA, bytes);
        assertEquals("glue-avro", p.form());
        assertEquals("g-1", p.find(FieldPath.parse("game_id")));
        org.apache.avro.Schema publicV1 = RepoSchemas.get("odds-update-public/v1").schema();
        Payload sanitized = p.project(Projection.fromAvro(publicV1));
        byte[] out = (byte[]) sanitized.value();
        try (GlueAvro codec = new GlueAvro(GlueSettings.local())) {
            GenericRecord r = codec.decode(out);
            assertEquals(codec.versionId(bytes), codec.versionId(out), "same writer schema and id as the input");
            assertNull(r.get("fair_prob"), "dropped by the projection");
            assertEquals("moneyline", r.get("market").toString());
        }
    }

    @Test
    void aConnectorRegistersTheFormatWithItsOwnSettings() {
        byte[] bytes = converter("odds-update-internal/v2").fromConnectData("t", ODDS, odds());
        GlueAvroFormat.register(GlueSettings.from(Map.of()));
        Payload p = Payload.of(Schema.BYTES_SCHEMA, bytes);
        assertEquals("glue-avro", p.form());
        assertEquals("moneyline", p.find(FieldPath.parse("market")));
    }
}
