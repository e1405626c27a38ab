package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/**
 * Every type the sink writes in RowBinary that ClickHouse 18.16 has, inserted by the task into a real server and read
 * back: the layouts are the server's, not only ours. The same records in JSONEachRow give the same rows.
 */
class RowBinaryServerTest {

    static final String COLUMNS = "s String, fs FixedString(4), u UUID, e8 Enum8('home' = 1, 'away' = -2), "
            + "e16 Enum16('a' = 1000, 'b' = -1000), i8 Int8, i16 Int16, i32 Int32, i64 Int64, u8 UInt8, u16 UInt16, u32 UInt32, "
            + "u64 UInt64, f32 Float32, f64 Float64, d Decimal(9, 2), d32 Decimal32(3), d64 Decimal64(4), d128 Decimal128(5), "
            + "dt Date, t DateTime, ns Nullable(String), ni Nullable(Int32), a Array(UInt8), an Array(Nullable(String)), "
            + "aa Array(Array(Int16)), lc LowCardinality(String), lcn LowCardinality(Nullable(String)), kafka_offset UInt64";

    static ClickHouseServer ch;

    @BeforeAll
    static void start() {
        ch = ClickHouseServer.start();
    }

    @AfterAll
    static void stop() {
        if (ch != null) {
            ch.close();
        }
    }

    @Test
    void everyTypeRoundTrips() throws Exception {
        List<SinkRecord> records = List.of(record(0, row0()), record(1, row1()));
        assertEquals(Table.ROW_BINARY, insert("binary", Table.AUTO, records));
        String select = "SELECT s, fs, u, e8, e16, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, d, d32, d64, d128, dt, "
                + "toUnixTimestamp(t), ns, ni, a, an, aa, lc, lcn FROM %s ORDER BY kafka_offset";
        String binary = ch.query(String.format(select, "binary"));
        assertEquals("é😀\\ttab\\\\\tab\\0\\0\t01234567-89ab-cdef-0011-223344556677\taway\tb\t-128\t32767\t-2147483648\t"
                        + "-9223372036854775808\t255\t65535\t4294967295\t18446744073709551615\t1.5\t-115.5\t12.50\t-2.500\t"
                        + "12345678901234.5678\t-123456789012345678901234567890.12345\t2025-11-24\t1764000000\t\\N\t7\t[1,2]\t"
                        + "['a',NULL,'']\t[[1],[],[-2,3]]\tnba\t\\N\n"
                        + "\tabcd\t00000000-0000-0000-0000-000000000001\thome\ta\t127\t-32768\t2147483647\t9223372036854775807\t0\t0\t"
                        + "0\t0\t-0.25\t0.1\t-9999999.99\t0.000\t0.0000\t1.00000\t0000-00-00\t0\tx\t\\N\t[]\t[]\t[]\t\thome\n",
                binary);
        assertEquals(Table.JSON_EACH_ROW, insert("json", Table.JSON_EACH_ROW, records));
        assertEquals(binary, ch.query(String.format(select, "json")), "the same rows as from JSONEachRow");
    }

    /** Creates the table (18.16 has LowCardinality behind a setting), inserts the records, returns the format used. */
    private static String insert(String table, String format, List<SinkRecord> records) throws Exception {
        String ddl = "CREATE TABLE " + table + " (" + COLUMNS + ") ENGINE = MergeTree ORDER BY kafka_offset";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ch.httpUrl()
                        + "/?allow_experimental_low_cardinality_type=1&query=" + URLEncoder.encode(ddl, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        TaskHarness h = new TaskHarness(ch, table, Map.of(ClickHouseSinkConnector.BATCH_MAX_WAIT_MS, "0",
                ClickHouseSinkConnector.COLUMNS_MAPPING, "kafka_offset=kafka.offset", ClickHouseSinkConnector.FORMAT, format));
        h.task.put(records);
        h.task.awaitInFlight();
        assertEquals(List.of(), h.deadLetters());
        String used = h.task.format();
        h.task.stop();
        return used;
    }

    private static Map<String, Object> row0() {
        Map<String, Object> v = new HashMap<>();
        v.put("s", "é😀\ttab\\");
        v.put("fs", "ab");
        v.put("u", "01234567-89ab-cdef-0011-223344556677");
        v.put("e8", "away");
        v.put("e16", -1000);
        v.put("i8", -128);
        v.put("i16", 32767);
        v.put("i32", Integer.MIN_VALUE);
        v.put("i64", Long.MIN_VALUE);
        v.put("u8", 255);
        v.put("u16", 65535);
        v.put("u32", 4_294_967_295L);
        v.put("u64", new BigInteger("18446744073709551615"));
        v.put("f32", 1.5);
        v.put("f64", -115.5);
        v.put("d", new BigDecimal("12.5"));
        v.put("d32", -2.5);
        v.put("d64", new BigDecimal("12345678901234.5678"));
        v.put("d128", new BigDecimal("-123456789012345678901234567890.12345"));
        v.put("dt", RowEncoderTest.TS);
        v.put("t", RowEncoderTest.TS);
        v.put("ni", 7);
        v.put("a", List.of(1, 2));
        v.put("an", Arrays.asList("a", null, ""));
        v.put("aa", List.of(List.of(1), List.of(), List.of(-2, 3)));
        v.put("lc", "nba");
        return v;
    }

    /** The other ends of the ranges, empty strings and arrays, nulls where row 0 has values and the reverse. */
    private static Map<String, Object> row1() {
        Map<String, Object> v = new HashMap<>();
        v.put("s", "");
        v.put("fs", "abcd");
        v.put("u", "00000000-0000-0000-0000-000000000001");
        v.put("e8", 1);
        v.put("e16", "a");
        v.put("i8", 127);
        v.put("i16", -32768);
        v.put("i32", Integer.MAX_VALUE);
        v.put("i64", Long.MAX_VALUE);
        v.put("u8", 0);
        v.put("u16", 0);
        v.put("u32", 0);
        v.put("u64", 0);
        v.put("f32", -0.25f);
        v.put("f64", 0.1);
        v.put("d", new BigDecimal("-9999999.99"));
        v.put("d32", 0);
        v.put("d64", 0.0);
        v.put("d128", 1);
        v.put("dt", 0L);
        v.put("t", 0L);
        v.put("ns", "x");
        v.put("an", List.of());
        v.put("aa", List.of());
        v.put("lc", "");
        v.put("lcn", "home");
        return v;
    }

    private static SinkRecord record(long offset, Map<String, Object> value) {
        return new SinkRecord("t", 0, null, null, null, value, offset);
    }
}
