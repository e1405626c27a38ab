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

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadCodec;
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
    void aCodecOfItsOwnReadsAndRewritesGlueAvroBytesUnderTheirOwnSchema() {
        byte[] bytes = converter("odds-update-internal/v2").fromConnectData("odds.updates.internal.nba", ODDS, odds());
        try (PayloadCodec codec = new PayloadCodec(new GlueAvro(new GlueSettings("", "", "odds-update", false, "BACKWARD")))) {
            Payload p = codec.read(Schema.BYTES_SCHEMA, bytes);
            assertEquals("glue-avro", p.form());
            assertEquals("g-1", p.firstScalar(java.util.List.of(FieldPath.parse("game_id"))));
            GenericRecord fitted = Conformance.toRecord(p.tree(), RepoSchemas.get("odds-update-public/v1").schema());
            byte[] out = (byte[]) p.with(fitted).value();
            GenericRecord r = codec.glue().decode(out);
            assertEquals(codec.glue().versionId(bytes), codec.glue().versionId(out), "same writer schema and id as the input");
            assertNull(r.get("fair_prob"), "not in the public schema: dropped");
            assertEquals("moneyline", r.get("market").toString());
        }
        assertEquals("json", new PayloadCodec(null).read(null, bytes.length > 0 ? "{}".getBytes() : bytes).form(),
                "without a Glue codec, bytes are JSON");
    }
}
