package io.oddsupdate.connect.common;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A validating JSON scanner over UTF-8 bytes (RFC 8259 grammar, nesting at most {@link #MAX_DEPTH}), for the streaming
 * lookups and projections of {@link JsonFormat}. It walks the bytes once, decodes only the strings and numbers a caller
 * asks for, and hands out the byte range of a value so a projection can copy it verbatim. Skipping is iterative, so deep
 * nesting cannot overflow the stack. Failures are {@link PayloadException}s saying "malformed JSON at byte N".
 */
final class JsonScanner {

    static final int MAX_DEPTH = 1000;

    // Strings are skipped eight bytes at a time (SWAR): a word without '"', '\\' or a control byte is passed whole.
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final long SPACES = ONES * 0x20;

    /**
     * Non-zero if any of the eight bytes (little-endian) is '"', '\\' or below 0x20; its lowest set bit is then in the
     * first such byte (borrows can only mark bytes after it).
     */
    private static long specials(long w) {
        long q = w ^ QUOTES;
        long bs = w ^ BACKSLASHES;
        return (((q - ONES) & ~q) | ((bs - ONES) & ~bs) | ((w - SPACES) & ~w)) & HIGHS;
    }

    private static boolean special(byte c) {
        return c == '"' || c == '\\' || (c & 0xff) < 0x20;
    }

    final byte[] b;
    int pos;
    private final int end;

    JsonScanner(byte[] bytes) {
        this.b = bytes;
        this.end = bytes.length;
    }

    PayloadException malformed(String why) {
        return new PayloadException(null, "malformed JSON at byte " + pos + ": " + why);
    }

    /** The next non-whitespace byte, not consumed. */
    byte peek() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
            pos++;
        }
        throw malformed("unexpected end of input");
    }

    void expect(char c) {
        if (peek() != c) {
            throw malformed("expected '" + c + "' but found " + found());
        }
        pos++;
    }

    /** Whether only whitespace is left. */
    boolean atEnd() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
            pos++;
        }
        return true;
    }

    void expectEnd() {
        if (!atEnd()) {
            throw malformed("unexpected " + found() + " after the document");
        }
    }

    String found() {
        if (pos >= end) {
            return "end of input";
        }
        int c = b[pos] & 0xff;
        return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
    }

    /**
     * After an object member or array element: consumes ',' and returns true, or consumes the closing bracket and returns
     * false.
     */
    boolean more(char close) {
        byte c = peek();
        if (c == ',') {
            pos++;
            return true;
        }
        if (c == close) {
            pos++;
            return false;
        }
        throw malformed("expected ',' or '" + close + "' but found " + found());
    }

    /** At '{' or '[': consumes it and whatever whitespace follows; true if the container is empty (and consumes its end). */
    boolean open(char close) {
        pos++;
        if (peek() == close) {
            pos++;
            return true;
        }
        return false;
    }

    /** At a string: skips it, validating escapes and control characters; returns whether it has escapes. */
    boolean skipString() {
        if (peek() != '"') {
            throw malformed("expected a string but found " + found());
        }
        boolean escaped = false;
        int i = pos + 1;
        while (true) {
            // jump to the next '"', '\\' or control byte: eight bytes at a time, then byte by byte near the end
            if (i + 8 <= end) {
                long m = specials((long) LONGS.get(b, i));
                if (m == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(m) >>> 3;
            } else {
                while (i < end && !special(b[i])) {
                    i++;
                }
                if (i >= end) {
                    pos = i;
                    throw malformed("unterminated string");
                }
            }
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                return escaped;
            }
            if (c == '\\') {
                escaped = true;
                if (i + 1 >= end) {
                    pos = i;
                    throw malformed("unterminated string");
                }
                byte e = b[i + 1];
                if (e == 'u') {
                    if (i + 6 > end || !hex(b[i + 2]) || !hex(b[i + 3]) || !hex(b[i + 4]) || !hex(b[i + 5])) {
                        pos = i;
                        throw malformed("bad \\u escape");
                    }
                    i += 6;
                    continue;
                }
                if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                    pos = i;
                    throw malformed("bad escape");
                }
                i += 2;
                continue;
            }
            pos = i;
            throw malformed("control character in string");
        }
    }

    private static boolean hex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** At a string: reads and decodes it. */
    String readString() {
        int start = pos + 1;
        boolean escaped = skipString();
        int stop = pos - 1;
        if (!escaped) {
            return utf8(start, stop - start);
        }
        StringBuilder sb = new StringBuilder(stop - start);
        int i = start;
        while (i < stop) {
            int run = i;
            while (i < stop && b[i] != '\\') {
                i++;
            }
            if (i > run) {
                sb.append(utf8(run, i - run));
            }
            if (i >= stop) {
                break;
            }
            byte e = b[i + 1];
            switch (e) {
                case 'u': sb.append((char) Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.ISO_8859_1), 16)); i += 6; continue;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                default: sb.append((char) e);
            }
            i += 2;
        }
        return sb.toString();
    }

    private String utf8(int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] < 0) {
                try {
                    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
                } catch (CharacterCodingException e) {
                    throw new PayloadException(null, "malformed JSON at byte " + off + ": invalid UTF-8 in string");
                }
            }
        }
        return new String(b, off, len, StandardCharsets.ISO_8859_1); // ASCII
    }

    /** At a number: skips it, validating the grammar; returns whether it is an integer (no fraction, no exponent). */
    boolean skipNumber() {
        int i = pos;
        if (i < end && b[i] == '-') {
            i++;
        }
        if (i >= end || b[i] < '0' || b[i] > '9') {
            pos = i;
            throw malformed("bad number");
        }
        if (b[i] == '0') {
            i++;
        } else {
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
        }
        boolean integral = true;
        if (i < end && b[i] == '.') {
            integral = false;
            i = digits(i + 1);
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            integral = false;
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            i = digits(i);
        }
        pos = i;
        return integral;
    }

    private int digits(int i) {
        int start = i;
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        if (i == start) {
            pos = i;
            throw malformed("bad number");
        }
        return i;
    }

    /** At a number: reads it as Integer, Long or BigInteger (integers, smallest that fits) or Double. */
    Number readNumber() {
        int start = pos;
        boolean integral = skipNumber();
        int len = pos - start;
        if (integral && len <= 18) {
            long v = 0;
            boolean neg = b[start] == '-';
            for (int i = neg ? start + 1 : start; i < pos; i++) {
                v = v * 10 + (b[i] - '0');
            }
            v = neg ? -v : v;
            return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Number) (int) v : (Number) v;
        }
        String s = new String(b, start, len, StandardCharsets.ISO_8859_1);
        if (integral) {
            BigInteger big = new BigInteger(s);
            return big.bitLength() < 64 ? (Number) big.longValue() : big;
        }
        return Double.parseDouble(s);
    }

    /** At t/f/n: skips the literal; returns its first byte. */
    byte skipLiteral() {
        byte c = b[pos];
        String word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        if (pos + word.length() > end) {
            throw malformed("unexpected end of input");
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[pos + i] != word.charAt(i)) {
                throw malformed("unexpected " + found());
            }
        }
        pos += word.length();
        return c;
    }

    /** Skips one value of any kind, validating it; iterative, at most {@link #MAX_DEPTH} levels deep. */
    void skipValue() {
        int depth = 0;
        long objects = 0; // bit d: the container at depth d is an object (the first 64 levels)
        boolean[] deeper = null; // the same beyond 64 levels, allocated only for such documents
        while (true) {
            // one value
            byte c = peek();
            boolean closed = true;
            if (c == '{' || c == '[') {
                if (depth >= MAX_DEPTH) {
                    throw malformed("nesting deeper than " + MAX_DEPTH);
                }
                boolean object = c == '{';
                if (!open(object ? '}' : ']')) {
                    if (depth < 64) {
                        objects = object ? objects | (1L << depth) : objects & ~(1L << depth);
                    } else {
                        if (deeper == null) {
                            deeper = new boolean[MAX_DEPTH];
                        }
                        deeper[depth] = object;
                    }
                    depth++;
                    if (object) {
                        member();
                    }
                    closed = false;
                }
            } else if (c == '"') {
                skipString();
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                skipNumber();
            } else if (c == 't' || c == 'f' || c == 'n') {
                skipLiteral();
            } else {
                throw malformed("unexpected " + found());
            }
            if (!closed) {
                continue;
            }
            // after a value: next element, or close containers
            while (true) {
                if (depth == 0) {
                    return;
                }
                int d = depth - 1;
                boolean object = d < 64 ? (objects & (1L << d)) != 0 : deeper[d];
                if (more(object ? '}' : ']')) {
                    if (object) {
                        member();
                    }
                    break;
                }
                depth--;
            }
        }
    }

    /** Skips a member name and its ':' (the value follows). */
    private void member() {
        skipString();
        expect(':');
    }
}
