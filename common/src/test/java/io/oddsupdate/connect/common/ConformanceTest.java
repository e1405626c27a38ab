package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.common.glue.RepoSchemas;

/** The one conformance policy, case by case: what every plugin that checks a value against an Avro schema does. */
class ConformanceTest {

    static final Schema ALL = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
            + "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"boolean\"},"
            + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
            + "{\"name\":\"by\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
            + "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"],\"default\":null},"
            + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"double\"},\"default\":[]},"
            + "{\"name\":\"m\",\"type\":[\"null\",{\"type\":\"map\",\"values\":\"double\"}],\"default\":null},"
            + "{\"name\":\"n\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}],\"default\":null}]}");

    static Map<String, Object> valid() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("i", 1);
        v.put("l", 2L);
        v.put("f", 1.5);
        v.put("d", 3);
        v.put("s", "x");
        v.put("b", true);
        v.put("ts", 1700000000000L);
        v.put("e", "A");
        return v;
    }

    static String reason(String field, Object value) {
        Map<String, Object> v = valid();
        v.put(field, value);
        return assertThrows(PayloadException.class, () -> Conformance.toRecord(v, ALL)).getMessage();
    }

    static Object converted(String field, Object value) {
        Map<String, Object> v = valid();
        v.put(field, value);
        return Conformance.toRecord(v, ALL).get(field);
    }

    @Test
    void numbers() {
        assertEquals(7, converted("i", 7L), "a long that int holds");
        assertEquals(7, converted("i", BigInteger.valueOf(7)));
        assertEquals("field 'i': expected int, got Long 3000000000", reason("i", 3_000_000_000L));
        assertEquals("field 'i': expected int, got Double 2.0", reason("i", 2.0), "integral but floating");
        assertEquals("field 'l': expected long, got BigInteger 9223372036854775808", reason("l", BigInteger.ONE.shiftLeft(63)));
        assertEquals("field 'l': expected long, got string \"2\"", reason("l", "2"), "strings are never parsed");
        assertEquals(3.0, converted("d", 3), "an integer in a double field becomes a double");
        assertEquals(1.5f, converted("f", 1.5));
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertEquals("field 'd': expected a finite double, got Double " + bad, reason("d", bad));
            assertEquals("field 'f': expected a finite float, got Double " + bad, reason("f", bad));
        }
        assertEquals("field 'f': expected a finite float, got Double 1.0E300", reason("f", 1e300), "beyond float's range");
    }

    @Test
    void timestamps() {
        assertEquals(1795521600000L, converted("ts", "2026-11-24T12:00:00Z"));
        assertEquals(5L, converted("ts", new Date(5)));
        assertEquals(6L, converted("ts", Instant.ofEpochMilli(6)));
        assertEquals("field 'ts': expected timestamp (epoch millis or ISO-8601 instant), got string \"yesterday\"", reason("ts", "yesterday"));
        assertEquals("field 'l': expected long, got Date " + new Date(5), reason("l", new Date(5)), "only a timestamp takes a Date");
    }

    @Test
    void stringsEnumsBooleansAndBytes() {
        assertEquals("field 's': expected string, got Integer 5", reason("s", 5));
        assertEquals("B", converted("e", "B").toString());
        assertEquals("field 'e': expected one of [A, B], got string \"a\"", reason("e", "a"), "symbols are case-sensitive");
        assertEquals("field 'b': expected boolean, got string \"true\"", reason("b", "true"));
        assertEquals(ByteBuffer.wrap(new byte[] {1}), converted("by", new byte[] {1}));
        assertEquals("field 'by': expected bytes, got string \"AQ==\"", reason("by", "AQ=="));
    }

    @Test
    void unionsArraysMapsAndNestedRecords() {
        assertEquals(5, converted("u", 5));
        assertEquals("five", converted("u", "five"));
        assertTrue(reason("u", true).startsWith("field 'u': expected one of [\"null\", \"int\", \"string\"]"));
        assertEquals(List.of(1.0, 2.5), converted("a", List.of(1, 2.5)));
        assertEquals("field 'a[1]': expected a finite double, got string \"x\"", reason("a", List.of(1, "x")));
        assertEquals(Map.of("k", 1.0), converted("m", Map.of("k", 1)));
        assertEquals("field 'm[k]' is required but null", reason("m", new LinkedHashMap<>(java.util.Collections.singletonMap("k", null))));
        assertEquals(9L, ((GenericRecord) converted("n", Map.of("x", 9, "secret", 1))).get("x"));
        assertEquals("field 'n.x' is required but missing", reason("n", Map.of()));
        assertEquals("field 'n': expected record N, got string \"x\"", reason("n", "x"));
    }

    @Test
    void recordsDropUnknownFieldsFillDefaultsAndRequireTheRest() {
        Map<String, Object> v = valid();
        v.put("secret", "never copied");
        GenericRecord r = Conformance.toRecord(v, ALL);
        assertFalse(((Map<?, ?>) Conformance.toPlain(r)).containsKey("secret"));
        assertNull(r.get("u"), "absent: its default");
        assertEquals(List.of(), r.get("a"));
        assertEquals("field 'i' is required but null", reason("i", null));
        Map<String, Object> missing = valid();
        missing.remove("s");
        assertEquals("field 's' is required but missing", assertThrows(PayloadException.class, () -> Conformance.toRecord(missing, ALL)).getMessage());
        assertEquals("field '(root)': expected record R, got ArrayList []",
                assertThrows(PayloadException.class, () -> Conformance.toRecord(new java.util.ArrayList<>(), ALL)).getMessage());
    }

    @Test
    void structsAndAvroRecordsAreReadByFieldName() {
        org.apache.kafka.connect.data.Schema s = SchemaBuilder.struct().field("event_uid", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("event_ts", org.apache.kafka.connect.data.Timestamp.SCHEMA).field("league", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("game_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA).field("market", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("odds", org.apache.kafka.connect.data.Schema.FLOAT64_SCHEMA).field("fair_prob", org.apache.kafka.connect.data.Schema.FLOAT64_SCHEMA).build();
        Struct internal = new Struct(s).put("event_uid", "u").put("event_ts", new Date(1)).put("league", "nba").put("game_id", "g")
                .put("market", "moneyline").put("odds", -110.0).put("fair_prob", 0.5);
        GenericRecord v2 = Conformance.toRecord(internal, RepoSchemas.get("odds-update-internal/v2").schema());
        assertEquals(0.5, v2.get("fair_prob"));
        GenericRecord pub = Conformance.toRecord(v2, RepoSchemas.get("odds-update-public/v1").schema());
        assertNull(pub.getSchema().getField("fair_prob"), "the public schema has no fair_prob");
        assertEquals(1L, pub.get("event_ts"));
        assertEquals("u", Conformance.toPlain(pub) instanceof Map<?, ?> m ? m.get("event_uid") : null);
    }
}
