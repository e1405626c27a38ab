package io.oddsupdate.connect.clickhouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.connect.errors.DataException;

/**
 * A ClickHouse column type, as {@code system.columns} spells it, and how a Connect value is written for it, in the
 * INSERT's format ({@link RowBuffer}). Values are checked here, before they are batched, so that a row the server would
 * reject (or, worse, silently wrap: 300 into a {@code UInt8} column) is dead-lettered with a reason instead of failing
 * a whole INSERT; in RowBinary the server takes the bytes as they come, so these checks are all there is.
 *
 * <p>Timestamps ({@code Date}, {@code DateTime}, {@code DateTime64}) take a {@link java.util.Date} (Connect's
 * {@code Timestamp} and {@code Date}), epoch milliseconds, or an ISO-8601 instant, and are written as a time since 1970
 * (days, seconds, or ticks of the column's precision), which ClickHouse reads independently of any time zone.
 */
final class ColumnType {

    /** The last day a Date (days since 1970 as UInt16) holds. */
    private static final int LAST_DAY = 65_535;
    private static final long MILLIS_PER_DAY = 86_400_000L;

    enum Kind { STRING, FIXED_STRING, UUID, ENUM, INT, UINT64, FLOAT, DECIMAL, BOOL, DATE, DATETIME, DATETIME64, ARRAY, MAP }

    final String name;
    final Kind kind;
    final boolean nullable;
    private final long min;
    private final long max;
    /** Bytes of an integer, enum, float or decimal; FixedString length; DateTime64 precision. */
    private final int size;
    /** Decimal scale, and 10^precision, the bound of its unscaled value. */
    private final int scale;
    private final BigInteger limit;
    private final Map<String, Long> enumValuesByName;
    private final Map<Long, String> enumNamesByValue;
    /** Array element or Map value; Map key. */
    private final ColumnType element;
    private final ColumnType key;

    private ColumnType(String name, Kind kind, boolean nullable, long min, long max, int size, int scale, BigInteger limit,
                       Map<String, Long> enumValuesByName, ColumnType element, ColumnType key) {
        this.name = name;
        this.kind = kind;
        this.nullable = nullable;
        this.min = min;
        this.max = max;
        this.size = size;
        this.scale = scale;
        this.limit = limit;
        this.enumValuesByName = enumValuesByName;
        this.enumNamesByValue = enumValuesByName == null ? null : enumValuesByName.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getValue, Map.Entry::getKey));
        this.element = element;
        this.key = key;
    }

    private static ColumnType of(String name, Kind kind, int size) {
        return new ColumnType(name, kind, false, 0, 0, size, 0, null, null, null, null);
    }

    private static ColumnType integer(String name, long min, long max, int bytes) {
        return new ColumnType(name, Kind.INT, false, min, max, bytes, 0, null, null, null, null);
    }

    private static ColumnType decimal(String name, int precision, int scale) {
        return new ColumnType(name, Kind.DECIMAL, false, 0, 0, precision <= 9 ? 4 : precision <= 18 ? 8 : 16, scale,
                BigInteger.TEN.pow(precision), null, null, null);
    }

    private ColumnType nullable() {
        return new ColumnType("Nullable(" + name + ")", kind, true, min, max, size, scale, limit, enumValuesByName, element, key);
    }

    /** Parses a type; throws IllegalArgumentException for one this sink cannot write (Tuple, AggregateFunction, ...). */
    static ColumnType parse(String type) {
        String t = type.strip();
        int open = t.indexOf('(');
        String family = open < 0 ? t : t.substring(0, open);
        List<String> args = open < 0 ? List.of() : arguments(t.substring(open + 1, t.lastIndexOf(')')));
        switch (family) {
            case "Nullable": return parse(args.get(0)).nullable();
            case "LowCardinality": return parse(args.get(0)); // the same values, and in RowBinary the same layout
            case "String": return of(t, Kind.STRING, 0);
            case "FixedString": return of(t, Kind.FIXED_STRING, Integer.parseInt(args.get(0)));
            case "UUID": return of(t, Kind.UUID, 16);
            case "Enum8": return enumeration(t, args, 1);
            case "Enum16": return enumeration(t, args, 2);
            case "Int8": return integer(t, Byte.MIN_VALUE, Byte.MAX_VALUE, 1);
            case "Int16": return integer(t, Short.MIN_VALUE, Short.MAX_VALUE, 2);
            case "Int32": return integer(t, Integer.MIN_VALUE, Integer.MAX_VALUE, 4);
            case "Int64": return integer(t, Long.MIN_VALUE, Long.MAX_VALUE, 8);
            case "UInt8": return integer(t, 0, 255, 1);
            case "UInt16": return integer(t, 0, 65_535, 2);
            case "UInt32": return integer(t, 0, 4_294_967_295L, 4);
            case "UInt64": return of(t, Kind.UINT64, 8);
            case "Float32": return of(t, Kind.FLOAT, 4);
            case "Float64": return of(t, Kind.FLOAT, 8);
            case "Decimal": return decimal(t, Integer.parseInt(args.get(0)), Integer.parseInt(args.get(1)));
            case "Decimal32": return decimal(t, 9, Integer.parseInt(args.get(0)));
            case "Decimal64": return decimal(t, 18, Integer.parseInt(args.get(0)));
            case "Decimal128": return decimal(t, 38, Integer.parseInt(args.get(0)));
            case "Bool": case "Boolean": return of(t, Kind.BOOL, 1);
            case "Date": return of(t, Kind.DATE, 2);
            case "DateTime": return of(t, Kind.DATETIME, 4);
            case "DateTime64": return of(t, Kind.DATETIME64, Integer.parseInt(args.get(0).strip()));
            case "Array": return new ColumnType(t, Kind.ARRAY, false, 0, 0, 0, 0, null, null, parse(args.get(0)), null);
            case "Map":
                ColumnType key = parse(args.get(0));
                if (key.kind != Kind.STRING && key.kind != Kind.FIXED_STRING) {
                    throw new IllegalArgumentException("type " + t + ": only String map keys are supported");
                }
                return new ColumnType(t, Kind.MAP, false, 0, 0, 0, 0, null, null, parse(args.get(1)), key);
            default:
                throw new IllegalArgumentException("type " + t + " is not supported by this sink");
        }
    }

    /**
     * Whether this type's RowBinary layout was checked against a server (18.16): Bool, DateTime64 and Map are newer,
     * so their layouts are ClickHouse's documented ones, untested here.
     */
    boolean rowBinaryVerified() {
        return kind != Kind.BOOL && kind != Kind.DATETIME64 && kind != Kind.MAP && (element == null || element.rowBinaryVerified());
    }

    /** Top-level comma-separated arguments of a type, respecting nested parentheses and quoted strings. */
    private static List<String> arguments(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '\'') {
                    quoted = false;
                }
            } else if (c == '\'') {
                quoted = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i).strip());
                start = i + 1;
            }
        }
        out.add(s.substring(start).strip());
        return out;
    }

    private static ColumnType enumeration(String t, List<String> args, int bytes) {
        Map<String, Long> values = new HashMap<>();
        for (String a : args) {
            int eq = a.lastIndexOf('=');
            String quoted = a.substring(0, eq).strip();
            values.put(quoted.substring(1, quoted.length() - 1).replace("\\'", "'").replace("\\\\", "\\"),
                    Long.parseLong(a.substring(eq + 1).strip()));
        }
        return new ColumnType(t, Kind.ENUM, false, 0, 0, bytes, 0, null, Map.copyOf(values), null, null);
    }

    /** Writes a value of this type; null is written only for a Nullable type, empty for Array and Map. */
    void write(Object value, RowBuffer out) {
        if (value == null) {
            if (nullable) {
                out.nullValue();
            } else if (kind == Kind.ARRAY) {
                out.arrayStart(0);
                out.arrayEnd();
            } else if (kind == Kind.MAP) {
                out.mapStart(0);
                out.mapEnd();
            } else {
                throw new DataException("is null and the column is not Nullable");
            }
            return;
        }
        if (nullable) {
            out.notNull();
        }
        switch (kind) {
            case STRING:
                if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean) {
                    out.string(value instanceof CharSequence cs ? cs : value.toString());
                    return;
                }
                break;
            case FIXED_STRING:
                if (value instanceof CharSequence cs) {
                    byte[] utf8 = cs.toString().getBytes(StandardCharsets.UTF_8);
                    if (utf8.length > size) {
                        throw new DataException(utf8.length + " bytes do not fit " + name);
                    }
                    out.fixedString(cs, utf8, size);
                    return;
                }
                break;
            case UUID:
                if (value instanceof CharSequence cs) {
                    try {
                        out.uuid(java.util.UUID.fromString(cs.toString()));
                        return;
                    } catch (IllegalArgumentException e) {
                        throw new DataException("'" + abbreviate(cs) + "' is not a UUID");
                    }
                }
                break;
            case ENUM:
                Long byName = value instanceof CharSequence cs ? enumValuesByName.get(cs.toString()) : null;
                if (byName != null) {
                    out.enumeration((CharSequence) value, byName, size);
                    return;
                }
                String byValue = isIntegral(value) ? enumNamesByValue.get(((Number) value).longValue()) : null;
                if (byValue != null) {
                    out.enumeration(byValue, ((Number) value).longValue(), size);
                    return;
                }
                throw new DataException("'" + abbreviate(value) + "' is not an element of " + name);
            case INT:
                if (value instanceof Boolean b) {
                    value = b ? 1 : 0;
                }
                if (isIntegral(value)) {
                    long v = ((Number) value).longValue();
                    if (v < min || v > max) {
                        throw new DataException(v + " is out of the range of " + name);
                    }
                    out.integer(v, size);
                    return;
                }
                break;
            case UINT64:
                if (value instanceof BigInteger big && big.signum() >= 0 && big.bitLength() <= 64) {
                    out.unsigned64(big.longValue());
                    return;
                }
                if (isIntegral(value)) {
                    long v = ((Number) value).longValue();
                    if (v < 0) {
                        throw new DataException(v + " is out of the range of " + name);
                    }
                    out.unsigned64(v);
                    return;
                }
                break;
            case FLOAT:
                if (value instanceof Number n) {
                    double d = n.doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new DataException("not a finite number: " + value);
                    }
                    out.floating(n, size);
                    return;
                }
                break;
            case DECIMAL:
                BigDecimal dec = decimal(value);
                if (dec != null) {
                    BigInteger unscaled;
                    try {
                        unscaled = dec.setScale(scale).unscaledValue();
                    } catch (ArithmeticException e) { // more fraction digits than the scale: the server refuses them too
                        unscaled = limit;
                    }
                    if (unscaled.abs().compareTo(limit) >= 0) {
                        throw new DataException(dec.toPlainString() + " does not fit " + name);
                    }
                    out.decimal(dec, unscaled, size);
                    return;
                }
                break;
            case BOOL:
                if (value instanceof Boolean b) {
                    out.bool(b);
                    return;
                }
                break;
            case DATE:
                long day = Math.floorDiv(epochMillis(value), MILLIS_PER_DAY);
                if (day < 0 || day > LAST_DAY) {
                    throw new DataException(LocalDate.ofEpochDay(day) + " is out of the range of " + name);
                }
                out.date((int) day);
                return;
            case DATETIME:
                long seconds = Math.floorDiv(epochMillis(value), 1000);
                if (seconds < 0 || seconds > 4_294_967_295L) {
                    throw new DataException(Instant.ofEpochSecond(seconds) + " is out of the range of " + name);
                }
                out.integer(seconds, 4);
                return;
            case DATETIME64:
                long millis = epochMillis(value);
                try {
                    out.dateTime64(millis, size);
                } catch (ArithmeticException e) {
                    throw new DataException(Instant.ofEpochMilli(millis) + " is out of the range of " + name);
                }
                return;
            case ARRAY:
                Collection<?> items = value instanceof Collection<?> c ? c : value instanceof Object[] a ? List.of(a) : null;
                if (items != null) {
                    out.arrayStart(items.size());
                    int i = 0;
                    for (Object item : items) {
                        out.element(i);
                        try {
                            element.write(item, out);
                        } catch (DataException e) {
                            throw new DataException("element " + i + " " + e.getMessage());
                        }
                        i++;
                    }
                    out.arrayEnd();
                    return;
                }
                break;
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    out.mapStart(map.size());
                    int i = 0;
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        out.element(i++);
                        try {
                            key.write(String.valueOf(e.getKey()), out);
                            out.mapValue();
                            element.write(e.getValue(), out);
                        } catch (DataException ex) {
                            throw new DataException("entry '" + e.getKey() + "' " + ex.getMessage());
                        }
                    }
                    out.mapEnd();
                    return;
                }
                break;
            default:
                throw new IllegalStateException(kind.name());
        }
        throw new DataException("expected " + expected() + " for " + name + " but found " + value.getClass().getSimpleName()
                + " '" + abbreviate(value) + "'");
    }

    /** A number as a decimal: a BigDecimal as it is, a whole number, or a finite double's shortest decimal form. */
    private static BigDecimal decimal(Object value) {
        if (value instanceof BigDecimal dec) {
            return dec;
        }
        if (isIntegral(value)) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new DataException("not a finite number: " + value);
            }
            return BigDecimal.valueOf(d);
        }
        return null;
    }

    private String expected() {
        switch (kind) {
            case INT: case UINT64: return "an integer";
            case FLOAT: case DECIMAL: return "a number";
            case BOOL: return "a boolean";
            case ARRAY: return "a list";
            case MAP: return "a map";
            default: return "a string";
        }
    }

    /** Unix time with {@code precision} fraction digits, from epoch millis: {@code 1764000000.123}. */
    static String unixTime(long millis, int precision) {
        String sign = millis < 0 ? "-" : "";
        long abs = Math.abs(millis);
        if (precision == 0) {
            return sign + abs / 1000;
        }
        String ms = String.format("%03d", abs % 1000);
        String fraction = precision <= 3 ? ms.substring(0, precision) : ms + "0".repeat(precision - 3);
        return sign + abs / 1000 + "." + fraction;
    }

    private static long epochMillis(Object value) {
        if (value instanceof java.util.Date d) {
            return d.getTime();
        }
        if (value instanceof Long || value instanceof Integer) {
            return ((Number) value).longValue();
        }
        if (value instanceof CharSequence s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new DataException("'" + abbreviate(s) + "' is not an ISO-8601 instant");
            }
        }
        throw new DataException("expected a timestamp (Connect Timestamp, epoch millis or ISO-8601) but found "
                + value.getClass().getSimpleName() + " '" + abbreviate(value) + "'");
    }

    static boolean isIntegral(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return true;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 0x1p53;
        }
        return false;
    }

    static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
