package io.oddsupdate.connect.clickhouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.UUID;

/** A JSONEachRow row: {@code {"col":value,...}\n}, with the few JSON writes it needs. */
final class JsonBuffer extends RowBuffer {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Override
    void rowStart() {
        ascii('{');
    }

    @Override
    void column(Table.Column column, boolean first) {
        if (!first) {
            ascii(',');
        }
        raw(column.jsonKey());
    }

    @Override
    void rowEnd() {
        ascii('}').ascii('\n');
    }

    @Override
    void nullValue() {
        ascii("null");
    }

    @Override
    void notNull() {
    }

    @Override
    void fixedString(CharSequence s, byte[] utf8, int length) {
        string(s);
    }

    @Override
    void uuid(UUID uuid) {
        string(uuid.toString());
    }

    /** By name: 18.16 reads no number for an enum. */
    @Override
    void enumeration(CharSequence name, long value, int width) {
        string(name);
    }

    @Override
    void integer(long v, int width) {
        integer(v);
    }

    @Override
    void unsigned64(long bits) {
        if (bits < 0) {
            ascii(Long.toUnsignedString(bits));
        } else {
            integer(bits);
        }
    }

    /** In its shortest exact decimal form (a whole number without a fraction). */
    @Override
    void floating(Number n, int width) {
        if (n instanceof BigDecimal dec) {
            ascii(dec.toString());
        } else if (n instanceof Float f) {
            ascii(Float.toString(f));
        } else if (ColumnType.isIntegral(n)) {
            integer(n.longValue());
        } else {
            ascii(Double.toString(n.doubleValue()));
        }
    }

    @Override
    void decimal(BigDecimal value, BigInteger unscaled, int width) {
        ascii(value.toPlainString());
    }

    @Override
    void bool(boolean b) {
        ascii(b ? "true" : "false");
    }

    @Override
    void date(int epochDay) {
        string(LocalDate.ofEpochDay(epochDay).toString());
    }

    /** As a Unix time with the column's fraction digits, which ClickHouse reads independently of any time zone. */
    @Override
    void dateTime64(long epochMillis, int precision) {
        string(ColumnType.unixTime(epochMillis, precision));
    }

    @Override
    void arrayStart(int count) {
        ascii('[');
    }

    @Override
    void element(int index) {
        if (index > 0) {
            ascii(',');
        }
    }

    @Override
    void arrayEnd() {
        ascii(']');
    }

    @Override
    void mapStart(int count) {
        ascii('{');
    }

    @Override
    void mapValue() {
        ascii(':');
    }

    @Override
    void mapEnd() {
        ascii('}');
    }

    JsonBuffer ascii(char c) {
        ensure(1);
        bytes[size++] = (byte) c;
        return this;
    }

    /** Text known to be ASCII with nothing to escape (numbers, literals). */
    JsonBuffer ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** A whole number, as {@link Long#toString(long)} writes it, without making a String. */
    JsonBuffer integer(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii(Long.toString(v)); // no positive counterpart
        }
        ensure(20);
        if (v < 0) {
            bytes[size++] = '-';
            v = -v;
        }
        int start = size;
        do {
            bytes[size++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (int i = start, j = size - 1; i < j; i++, j--) {
            byte t = bytes[i];
            bytes[i] = bytes[j];
            bytes[j] = t;
        }
        return this;
    }

    /** A JSON string: quotes, escapes, and UTF-8. */
    @Override
    void string(CharSequence s) {
        int n = s.length();
        ensure(n + 2);
        bytes[size++] = '"';
        int i = 0;
        for (; i < n; i++) { // the common case first: ASCII with nothing to escape, a byte a char (room made above)
            char c = s.charAt(i);
            if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            bytes[size++] = (byte) c;
        }
        for (; i < n; i++) {
            ensure(7); // the most one step writes: a 6-byte control-character escape, or a surrogate pair (4), plus the closing quote
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                bytes[size++] = '\\';
                bytes[size++] = (byte) c;
            } else if (c < 0x20) {
                bytes[size++] = '\\';
                bytes[size++] = 'u';
                bytes[size++] = '0';
                bytes[size++] = '0';
                bytes[size++] = HEX[c >> 4];
                bytes[size++] = HEX[c & 0xF];
            } else {
                i = utf8(s, i);
            }
        }
        bytes[size++] = '"';
    }
}
