package io.oddsupdate.connect.clickhouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.UUID;

/**
 * A growable byte buffer that one row is encoded into, in the INSERT's format: {@link ColumnType} checks a value and
 * says what it is (a string, an integer of a width, a date, ...), the format decides the bytes. Not thread-safe; reused
 * per task.
 */
abstract class RowBuffer {

    protected byte[] bytes = new byte[1024];
    protected int size;

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    abstract void rowStart();

    /** Before each column's value, in table order. */
    abstract void column(Table.Column column, boolean first);

    abstract void rowEnd();

    /** The value of a Nullable column that has none. */
    abstract void nullValue();

    /** Before the value of a Nullable column that has one. */
    abstract void notNull();

    abstract void string(CharSequence s);

    /** {@code utf8} is {@code s} encoded, at most {@code length} bytes. */
    abstract void fixedString(CharSequence s, byte[] utf8, int length);

    abstract void uuid(UUID uuid);

    /** An enum element: its name, and its value of {@code width} bytes. */
    abstract void enumeration(CharSequence name, long value, int width);

    /** A signed or unsigned integer of {@code width} bytes that fits it (UInt64: the low 64 bits, see {@link #unsigned64}). */
    abstract void integer(long v, int width);

    abstract void unsigned64(long bits);

    /** A finite number for a Float32 ({@code width} 4) or Float64 (8) column. */
    abstract void floating(Number n, int width);

    /** {@code value} as given; {@code unscaled} is it at the column's scale, within its precision, in {@code width} bytes. */
    abstract void decimal(BigDecimal value, BigInteger unscaled, int width);

    abstract void bool(boolean b);

    abstract void date(int epochDay);

    abstract void dateTime64(long epochMillis, int precision);

    abstract void arrayStart(int count);

    /** Before element {@code index} of an array, or entry {@code index} of a map (before its key). */
    abstract void element(int index);

    abstract void arrayEnd();

    abstract void mapStart(int count);

    /** Between a map entry's key and its value. */
    abstract void mapValue();

    abstract void mapEnd();

    final void raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /**
     * Writes the character at {@code i} as UTF-8 (a surrogate pair as one code point, a lone surrogate as U+FFFD, as
     * String.getBytes would) with room for 4 bytes made by the caller; returns the index of the last char consumed.
     */
    protected final int utf8(CharSequence s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            bytes[size++] = (byte) c;
        } else if (c < 0x800) {
            bytes[size++] = (byte) (0xC0 | (c >> 6));
            bytes[size++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(++i));
            bytes[size++] = (byte) (0xF0 | (cp >> 18));
            bytes[size++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            bytes[size++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            bytes[size++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            if (Character.isSurrogate(c)) {
                c = '\uFFFD';
            }
            bytes[size++] = (byte) (0xE0 | (c >> 12));
            bytes[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
            bytes[size++] = (byte) (0x80 | (c & 0x3F));
        }
        return i;
    }

    protected final void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
