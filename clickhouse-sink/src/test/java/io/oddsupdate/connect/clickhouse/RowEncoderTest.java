package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** Rows as ClickHouse reads them, from each value form, checked against each column type; no server needed. */
class RowEncoderTest {

    static final long TS = 1_764_000_000_123L;

    @Test
    void aStructBecomesOneJsonLineInTableOrderWithTheKafkaCoordinatesAndAHeader() {
        Table t = table(Map.of("kafka_offset", "kafka.offset", "kafka_topic", "kafka.topic", "src_league", "header.league"),
                "event_uid String", "event_ts DateTime64(3, 'UTC')", "odds Float64", "selection Nullable(String)",
                "kafka_topic LowCardinality(String)", "kafka_offset UInt64", "src_league String");
        Schema schema = SchemaBuilder.struct().field("event_uid", Schema.STRING_SCHEMA).field("event_ts", Timestamp.SCHEMA)
                .field("odds", Schema.FLOAT64_SCHEMA).field("selection", Schema.OPTIONAL_STRING_SCHEMA)
                .field("extra", Schema.STRING_SCHEMA).build();
        Struct v = new Struct(schema).put("event_uid", "u\"1").put("event_ts", new Date(TS)).put("odds", -115.5).put("extra", "x");
        assertEquals("{\"event_uid\":\"u\\\"1\",\"event_ts\":\"1764000000.123\",\"odds\":-115.5,\"selection\":null,"
                + "\"kafka_topic\":\"odds.updates.internal.nba\",\"kafka_offset\":42,\"src_league\":\"nba\"}\n", encode(t, record(schema, v)));
    }

    @Test
    void aSchemalessMapOrJsonTextGivesTheSameRow() {
        Table t = table(Map.of(), "event_uid String", "event_ts DateTime", "odds Float64", "line Nullable(Float64)");
        Map<String, Object> map = new HashMap<>(Map.of("event_uid", "u1", "event_ts", TS, "odds", -115L));
        String expected = "{\"event_uid\":\"u1\",\"event_ts\":1764000000,\"odds\":-115,\"line\":null}\n";
        assertEquals(expected, encode(t, record(null, map)));
        assertEquals(expected, encode(t, record(null, "{\"event_uid\":\"u1\",\"event_ts\":1764000000123,\"odds\":-115}")));
        assertEquals(expected, encode(t, record(null, "{\"event_uid\":\"u1\",\"event_ts\":\"2025-11-24T16:00:00.123Z\",\"odds\":-115}")));
    }

    @Test
    void timestampsAreUnixTimesSoNoTimeZoneCanShiftThem() {
        assertEquals("1764000000.123", ColumnType.unixTime(TS, 3));
        assertEquals("1764000000.1", ColumnType.unixTime(TS, 1));
        assertEquals("1764000000.123000", ColumnType.unixTime(TS, 6));
        assertEquals("-1.001", ColumnType.unixTime(-1001, 3));
        assertEquals("\"2025-11-24\"", write("Date", TS));
        assertEquals("1764000000", write("DateTime('Europe/London')", new Date(TS)));
    }

    @Test
    void nestedTypesEnumsAndDecimals() {
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("lead", 3.0);
        inputs.put("mu", 1.5);
        assertEquals("{\"lead\":3,\"mu\":1.5}", write("Map(String, Float64)", inputs));
        assertEquals("{}", write("Map(LowCardinality(String), Float64)", null));
        assertEquals("[1,2]", write("Array(UInt8)", List.of(1, 2)));
        assertEquals("\"home\"", write("Enum8('home' = 1, 'away' = 2, 'o\\'k' = 3)", "home"));
        assertEquals("\"o'k\"", write("Enum8('home' = 1, 'away' = 2, 'o\\'k' = 3)", "o'k"));
        assertEquals("\"away\"", write("Enum8('home' = 1, 'away' = 2)", 2));
        assertEquals("12.50", write("Decimal(9, 2)", new BigDecimal("12.50")));
        assertEquals("true", write("Bool", true));
        assertEquals("1", write("UInt8", true));
        assertEquals("null", write("Nullable(Int32)", null));
        assertEquals("\"\\u0001é😀\"", write("String", "\u0001é😀"));
    }

    @Test
    void aValueThatDoesNotFitItsColumnIsRejectedWithTheReasonNotWrappedOrTruncated() {
        assertReason("UInt8", 300, "300 is out of the range of UInt8");
        assertReason("UInt64", -1L, "-1 is out of the range of UInt64");
        assertReason("Int32", 1.5, "expected an integer for Int32 but found Double '1.5'");
        assertReason("Float64", Double.NaN, "not a finite number");
        assertReason("Float64", "abc", "expected a number for Float64 but found String 'abc'");
        assertReason("FixedString(2)", "abc", "3 bytes do not fit FixedString(2)");
        assertReason("Enum8('home' = 1)", "draw", "'draw' is not an element of Enum8('home' = 1)");
        assertReason("DateTime", "yesterday", "'yesterday' is not an ISO-8601 instant");
        assertReason("DateTime", -5000L, "out of the range of DateTime");
        assertReason("Date", 7_000_000_000_000L, "out of the range of Date");
        assertReason("UUID", "nope", "'nope' is not a UUID");
        assertReason("Array(UInt8)", List.of(1, 999), "element 1 999 is out of the range of UInt8");
        assertReason("String", null, "is null and the column is not Nullable");
    }

    @Test
    void errorsNameTheColumnItsTypeAndTheRecordPath() {
        Table t = table(Map.of("league", "header.league"), "event_uid String", "odds Float64", "league String");
        DataException e = assertThrows(DataException.class, () -> encode(t, record(null, Map.of("event_uid", "u", "odds", "abc"))));
        assertEquals("column 'odds' (Float64) from value field 'odds': expected a number for Float64 but found String 'abc'", e.getMessage());
        SinkRecord noHeader = new SinkRecord("t", 0, null, null, null, Map.of("event_uid", "u", "odds", 1.0), 5);
        e = assertThrows(DataException.class, () -> encode(t, noHeader));
        assertEquals("column 'league' (String) from header 'league': missing or null, and the column is not Nullable", e.getMessage());
        e = assertThrows(DataException.class, () -> encode(t, record(null, null)));
        assertTrue(e.getMessage().startsWith("tombstone"), e.getMessage());
        e = assertThrows(DataException.class, () -> encode(t, record(null, "{\"event_uid\":")));
        assertTrue(e.getMessage().startsWith("value: "), e.getMessage());
    }

    @Test
    void aDefaultColumnWithoutAValueIsLeftToTheServer() {
        Table t = Table.of("db", "t", List.of(new String[] {"event_uid", "String", ""}, new String[] {"inserted", "DateTime", "DEFAULT"},
                new String[] {"day", "Date", "MATERIALIZED"}, new String[] {"agg", "AggregateFunction(sum, UInt64)", "DEFAULT"}), Map.of(), Table.AUTO);
        assertEquals("INSERT INTO `db`.`t` (`event_uid`, `inserted`) FORMAT JSONEachRow", t.insert);
        assertEquals("{\"event_uid\":\"u\"}\n", encode(t, record(null, Map.of("event_uid", "u"))));
    }

    @Test
    void aMappingTheTableCannotTakeNamesTheKey() {
        List<String[]> cols = new ArrayList<>();
        cols.add(new String[] {"event_uid", "String", ""});
        cols.add(new String[] {"day", "Date", "MATERIALIZED"});
        ConfigException e = assertThrows(ConfigException.class, () -> Table.of("db", "t", cols, Map.of("offset", "kafka.offset"), Table.AUTO));
        assertTrue(e.getMessage().contains("columns.mapping") && e.getMessage().contains("has no column 'offset'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Table.of("db", "t", cols, Map.of("day", "event_ts"), Table.AUTO));
        assertTrue(e.getMessage().contains("MATERIALIZED"), e.getMessage());
        cols.add(new String[] {"t", "Tuple(UInt8, String)", ""});
        e = assertThrows(ConfigException.class, () -> Table.of("db", "t", cols, Map.of(), Table.AUTO));
        assertTrue(e.getMessage().contains("clickhouse.table") && e.getMessage().contains("Tuple(UInt8, String) is not supported"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Table.of("db", "nope", List.of(), Map.of(), Table.AUTO));
        assertTrue(e.getMessage().contains("db.nope does not exist"), e.getMessage());
    }

    static Table table(Map<String, String> mapping, String... columns) {
        List<String[]> cols = new ArrayList<>();
        for (String c : columns) {
            int sp = c.indexOf(' ');
            cols.add(new String[] {c.substring(0, sp), c.substring(sp + 1), ""});
        }
        return Table.of("db", "t", cols, mapping, Table.JSON_EACH_ROW);
    }

    static SinkRecord record(Schema schema, Object value) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("league", "nba");
        return new SinkRecord("odds.updates.internal.nba", 1, Schema.STRING_SCHEMA, "g1", schema, value, 42, TS,
                TimestampType.CREATE_TIME, headers);
    }

    static String encode(Table t, SinkRecord r) {
        return new String(new RowEncoder(t).encode(r), StandardCharsets.UTF_8);
    }

    private static String write(String type, Object value) {
        JsonBuffer out = new JsonBuffer();
        ColumnType.parse(type).write(value, out);
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    private static void assertReason(String type, Object value, String reason) {
        DataException e = assertThrows(DataException.class, () -> write(type, value), type + " " + value);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
