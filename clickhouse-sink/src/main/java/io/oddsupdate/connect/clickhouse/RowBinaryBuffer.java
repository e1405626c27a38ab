package io.oddsupdate.connect.clickhouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;

/**
 * A RowBinary row: the columns' values one after the other, in table order, each in its type's binary layout
 * (little-endian numbers, lengths as LEB128 varints), which the server copies into its columns instead of parsing text.
 */
final class RowBinaryBuffer extends RowBuffer {

    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

    @Override
    void rowStart() {
    }

    @Override
    void column(Table.Column column, boolean first) {
    }

    @Override
    void rowEnd() {
    }

    @Override
    void nullValue() {
        integer(1, 1);
    }

    @Override
    void notNull() {
        integer(0, 1);
    }

    /** Its length in UTF-8 bytes as a varint, then the bytes. */
    @Override
    void string(CharSequence s) {
        int n = s.length();
        int start = size;
        varint(n);
        ensure(n);
        for (int i = 0; i < n; i++) { // the common case first: ASCII, a byte a char, in one pass
            char c = s.charAt(i);
            if (c >= 0x80) {
                size = start;
                utf8String(s);
                return;
            }
            bytes[size++] = (byte) c;
        }
    }

    private void utf8String(CharSequence s) {
        int n = s.length();
        int length = n;
        for (int i = 0; i < n; i++) { // a char is a byte, except: 2 bytes below U+0800, 4 a surrogate pair, else 3
            char c = s.charAt(i);
            if (c >= 0x800) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                }
                length += 2;
            } else if (c >= 0x80) {
                length++;
            }
        }
        varint(length);
        ensure(length);
        for (int i = 0; i < n; i++) {
            i = utf8(s, i);
        }
    }

    /** Exactly {@code length} bytes, zero-padded. */
    @Override
    void fixedString(CharSequence s, byte[] utf8, int length) {
        raw(utf8);
        ensure(length - utf8.length);
        for (int i = utf8.length; i < length; i++) {
            bytes[size++] = 0;
        }
    }

    /** Two little-endian 64-bit halves, the high one first. */
    @Override
    void uuid(UUID uuid) {
        integer(uuid.getMostSignificantBits(), 8);
        integer(uuid.getLeastSignificantBits(), 8);
    }

    @Override
    void enumeration(CharSequence name, long value, int width) {
        integer(value, width);
    }

    @Override
    void integer(long v, int width) {
        ensure(width);
        for (int i = 0; i < width; i++) {
            bytes[size++] = (byte) v;
            v >>= 8;
        }
    }

    @Override
    void unsigned64(long bits) {
        integer(bits, 8);
    }

    @Override
    void floating(Number n, int width) {
        if (width == 4) {
            integer(Float.floatToIntBits(n.floatValue()), 4);
        } else {
            integer(Double.doubleToLongBits(n.doubleValue()), 8);
        }
    }

    /** The unscaled value as a little-endian two's complement integer of the column's width (4, 8 or 16 bytes). */
    @Override
    void decimal(BigDecimal value, BigInteger unscaled, int width) {
        if (width <= 8) {
            integer(unscaled.longValue(), width);
        } else {
            integer(unscaled.longValue(), 8);
            integer(unscaled.shiftRight(64).longValue(), width - 8);
        }
    }

    @Override
    void bool(boolean b) {
        integer(b ? 1 : 0, 1);
    }

    /** Days since 1970 as UInt16. */
    @Override
    void date(int epochDay) {
        integer(epochDay, 2);
    }

    /** Ticks of 10^-precision seconds since 1970 as Int64, cut as the JSONEachRow form cuts them (towards zero). */
    @Override
    void dateTime64(long epochMillis, int precision) {
        long ticks = precision >= 3 ? Math.multiplyExact(epochMillis, POWERS_OF_TEN[precision - 3])
                : epochMillis / POWERS_OF_TEN[3 - precision];
        integer(ticks, 8);
    }

    /** The element count as a varint, then the elements. */
    @Override
    void arrayStart(int count) {
        varint(count);
    }

    @Override
    void element(int index) {
    }

    @Override
    void arrayEnd() {
    }

    /** The entry count as a varint, then key and value of each entry (a Map is an Array of key-value Tuples). */
    @Override
    void mapStart(int count) {
        varint(count);
    }

    @Override
    void mapValue() {
    }

    @Override
    void mapEnd() {
    }

    /** Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on every byte but the last. */
    private void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        bytes[size++] = (byte) v;
    }
}
