package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** Values in RowBinary, byte for byte, and when a table gets RowBinary; no server needed (RowBinaryServerTest has one). */
class RowBinaryTest {

    static final long TS = RowEncoderTest.TS;

    @Test
    void stringsAreAVarintLengthThenUtf8() {
        assertEquals("00", write("String", ""));
        assertEquals("03616263", write("String", "abc"));
        assertEquals("07" + "c3a9" + "f09f9880" + "31", write("String", "é😀1"));
        assertEquals("03efbfbd", write("String", "\ud800"), "a lone surrogate is U+FFFD, as String.getBytes has it");
        assertEquals("c801" + "61".repeat(200), write("String", "a".repeat(200)));
        assertEquals("023432", write("LowCardinality(String)", 42));
        assertEquals("61620000", write("FixedString(4)", "ab"));
        assertEquals("c3a9", write("FixedString(2)", "é"));
    }

    @Test
    void numbersAreLittleEndianOfTheirWidth() {
        assertEquals("ff", write("Int8", -1));
        assertEquals("ff", write("UInt8", 255));
        assertEquals("01", write("UInt8", true));
        assertEquals("ffff", write("UInt16", 65_535));
        assertEquals("0080", write("Int16", Short.MIN_VALUE));
        assertEquals("01000000", write("Int32", 1.0));
        assertEquals("ffffffff", write("UInt32", 4_294_967_295L));
        assertEquals("feffffffffffffff", write("Int64", -2L));
        assertEquals("2a00000000000000", write("UInt64", 42));
        assertEquals("ffffffffffffffff", write("UInt64", new BigInteger("18446744073709551615")));
        assertEquals("0000c03f", write("Float32", 1.5));
        assertEquals(hex(Double.doubleToLongBits(-115.5)), write("Float64", -115.5));
        assertEquals(hex(Double.doubleToLongBits(0.1)), write("Float64", new BigDecimal("0.1")));
        assertEquals("01", write("Bool", true));
        assertEquals("02", write("Enum8('home' = 1, 'away' = 2)", "away"));
        assertEquals("02", write("Enum8('home' = 1, 'away' = 2)", 2));
        assertEquals("e803", write("Enum16('a' = 1000, 'b' = -1)", "a"));
        assertEquals("ffff", write("Enum16('a' = 1000, 'b' = -1)", -1));
    }

    @Test
    void decimalsAreTheirScaledValueIn4816BytesByPrecision() {
        assertEquals("e2040000", write("Decimal(9, 2)", new BigDecimal("12.5")));
        assertEquals("e2040000", write("Decimal32(2)", 12.5));
        assertEquals("3cf6ffffffffffff", write("Decimal(18, 3)", -2.5));
        assertEquals("3cf6ffffffffffff", write("Decimal64(3)", -2.5));
        assertEquals("6affffffffffffffffffffffffffffff", write("Decimal128(2)", new BigDecimal("-1.50")));
        assertEquals("00000000000000004000000000000000", write("Decimal(38, 0)", new BigDecimal(BigInteger.ONE.shiftLeft(70))));
        assertEquals("0300000000000000", write("Decimal(10, 0)", 3));
    }

    @Test
    void timesAreSince1970InTheColumnsUnit() {
        int day = (int) LocalDate.of(2025, 11, 24).toEpochDay();
        assertEquals(hex(day, 2), write("Date", TS));
        assertEquals(hex(1_764_000_000L, 4), write("DateTime", new Date(TS)));
        assertEquals(hex(1_764_000_000L, 4), write("DateTime('Europe/London')", "2025-11-24T16:00:00.123Z"));
        assertEquals(hex(1_764_000_000_123L, 8), write("DateTime64(3, 'UTC')", TS));
        assertEquals(hex(1_764_000_000_123_000L, 8), write("DateTime64(6)", TS));
        assertEquals(hex(17_640_000_001L, 8), write("DateTime64(1)", TS));
        assertEquals(hex(1_764_000_000L, 8), write("DateTime64(0)", TS));
        assertEquals(hex(-1L, 8), write("DateTime64(0)", -1001L), "cut towards zero, as the JSONEachRow form is");
    }

    @Test
    void uuidsAreTwoLittleEndianHalvesHighFirst() {
        assertEquals("efcdab8967452301" + "7766554433221100", write("UUID", "01234567-89ab-cdef-0011-223344556677"));
    }

    @Test
    void nullableIsAFlagByteThenTheValueArraysAndMapsACountThenTheirItems() {
        assertEquals("01", write("Nullable(Int32)", null));
        assertEquals("0007000000", write("Nullable(Int32)", 7));
        assertEquals("01", write("LowCardinality(Nullable(String))", null));
        assertEquals("000161", write("LowCardinality(Nullable(String))", "a"));
        assertEquals("020102", write("Array(UInt8)", List.of(1, 2)));
        assertEquals("00", write("Array(UInt8)", null));
        assertEquals("03" + "000161" + "01" + "0000", write("Array(Nullable(String))", java.util.Arrays.asList("a", null, "")));
        assertEquals("03" + "0101" + "00" + "020203", write("Array(Array(UInt8))", List.of(List.of(1), List.of(), List.of(2, 3))));
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("lead", 3.0);
        inputs.put("mu", 1.5);
        assertEquals("02" + "046c656164" + hex(Double.doubleToLongBits(3.0)) + "026d75" + hex(Double.doubleToLongBits(1.5)),
                write("Map(LowCardinality(String), Float64)", inputs));
        assertEquals("00", write("Map(String, Float64)", null));
    }

    @Test
    void whatDoesNotFitIsRejectedAsInJsonEachRow() {
        assertReason("UInt8", 300, "300 is out of the range of UInt8");
        assertReason("Int64", 1.5, "expected an integer for Int64 but found Double '1.5'");
        assertReason("UInt64", -1L, "-1 is out of the range of UInt64");
        assertReason("Float32", Double.POSITIVE_INFINITY, "not a finite number");
        assertReason("FixedString(2)", "abc", "3 bytes do not fit FixedString(2)");
        assertReason("Enum8('home' = 1)", 2, "'2' is not an element of Enum8('home' = 1)");
        assertReason("UUID", "nope", "'nope' is not a UUID");
        assertReason("Date", -1L, "1969-12-31 is out of the range of Date");
        assertReason("DateTime", 4_294_967_296_000L, "out of the range of DateTime");
        assertReason("DateTime64(9)", Long.MAX_VALUE, "out of the range of DateTime64(9)");
        assertReason("Decimal(9, 2)", 123456789012.0, "123456789012 does not fit Decimal(9, 2)");
        assertReason("Decimal(9, 2)", 10_000_000L, "10000000 does not fit Decimal(9, 2)");
        assertReason("Decimal(9, 2)", 12.345, "12.345 does not fit Decimal(9, 2)");
        assertReason("Decimal32(2)", Double.NaN, "not a finite number");
        assertReason("Bool", "yes", "expected a boolean for Bool but found String 'yes'");
        assertReason("Array(UInt8)", List.of(1, 999), "element 1 999 is out of the range of UInt8");
        assertReason("Map(FixedString(1), UInt8)", Map.of("ab", 1), "entry 'ab' 2 bytes do not fit FixedString(1)");
        assertReason("Nullable(UInt8)", -1, "-1 is out of the range of Nullable(UInt8)");
        assertReason("String", null, "is null and the column is not Nullable");
        // the same checks, so the same reasons, in JSONEachRow
        DataException json = assertThrows(DataException.class, () -> ColumnType.parse("Decimal(9, 2)").write(12.345, new JsonBuffer()));
        assertEquals("12.345 does not fit Decimal(9, 2)", json.getMessage());
    }

    @Test
    void aTableGetsRowBinaryUnlessARowMayLeaveAColumnToItsDefaultOrATypesLayoutIsUntested() {
        String[] uid = {"event_uid", "String", ""};
        String[] inserted = {"inserted", "DateTime", "DEFAULT"};
        String[] note = {"note", "Nullable(String)", "DEFAULT"};
        String[] inputs = {"inputs", "Map(String, Float64)", ""};
        Table t = Table.of("db", "t", List.of(uid, note), Map.of(), Table.AUTO);
        assertEquals("INSERT INTO `db`.`t` (`event_uid`, `note`) FORMAT RowBinary", t.insert);
        assertEquals(Table.JSON_EACH_ROW, Table.of("db", "t", List.of(uid, inserted), Map.of(), Table.AUTO).format);
        assertEquals(Table.JSON_EACH_ROW, Table.of("db", "t", List.of(uid, inputs), Map.of(), Table.AUTO).format);
        assertEquals(Table.JSON_EACH_ROW, Table.of("db", "t", List.<String[]>of(uid), Map.of(), Table.JSON_EACH_ROW).format);
        assertEquals(Table.ROW_BINARY, Table.of("db", "t", List.of(uid, inputs), Map.of(), Table.ROW_BINARY).format);
        ConfigException e = assertThrows(ConfigException.class, () -> Table.of("db", "t", List.of(uid, inserted), Map.of(), Table.ROW_BINARY));
        assertTrue(e.getMessage().contains("clickhouse.format") && e.getMessage().contains("column 'inserted'"), e.getMessage());
    }

    @Test
    void aRowIsItsColumnsValuesInTableOrderTheSameForTheSameRecord() {
        Table t = Table.of("db", "t", List.of(new String[] {"event_uid", "String", ""}, new String[] {"odds", "Float64", ""},
                new String[] {"selection", "Nullable(String)", ""}, new String[] {"kafka_offset", "UInt64", ""}),
                Map.of("kafka_offset", "kafka.offset"), Table.AUTO);
        RowEncoder encoder = new RowEncoder(t);
        var record = RowEncoderTest.record(null, Map.of("event_uid", "u1", "odds", -115.5));
        byte[] row = encoder.encode(record);
        assertEquals("027531" + hex(Double.doubleToLongBits(-115.5)) + "01" + hex(42, 8), HexFormat.of().formatHex(row));
        assertArrayEquals(row, encoder.encode(record));
        DataException e = assertThrows(DataException.class, () -> encoder.encode(RowEncoderTest.record(null, Map.of("event_uid", "u1", "odds", "x"))));
        assertEquals("column 'odds' (Float64) from value field 'odds': expected a number for Float64 but found String 'x'", e.getMessage());
        assertArrayEquals(row, encoder.encode(record), "a row that did not fit leaves nothing behind");
    }

    static String write(String type, Object value) {
        RowBinaryBuffer out = new RowBinaryBuffer();
        ColumnType.parse(type).write(value, out);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    /** {@code v}'s low {@code bytes} bytes, little-endian, in hex. */
    static String hex(long v, int bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes; i++) {
            sb.append(String.format("%02x", (v >>> (8 * i)) & 0xFF));
        }
        return sb.toString();
    }

    static String hex(long v) {
        return hex(v, 8);
    }

    private static void assertReason(String type, Object value, String reason) {
        DataException e = assertThrows(DataException.class, () -> write(type, value), type + " " + value);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
