package io.oddsupdate.connect.clickhouse;

import java.util.Arrays;

/** A growable UTF-8 byte buffer with the few JSON writes a JSONEachRow row needs. Not thread-safe; reused per task. */
final class JsonBuffer {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] bytes = new byte[1024];
    private int size;

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    JsonBuffer raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
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

    /** A JSON string: quotes, escapes, and UTF-8 (a lone surrogate becomes U+FFFD, as String.getBytes would). */
    JsonBuffer string(CharSequence s) {
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
            if (c < 0x80) {
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
                    bytes[size++] = (byte) c;
                }
            } else if (c < 0x800) {
                bytes[size++] = (byte) (0xC0 | (c >> 6));
                bytes[size++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
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
        }
        bytes[size++] = '"';
        return this;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
