package io.oddsupdate.connect.clickhouse;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.errors.DataException;

/**
 * A ClickHouse column type, as {@code system.columns} spells it, and how a Connect value is written for it in a
 * JSONEachRow row. Values are checked here, before they are batched, so that a row the server would reject (or, worse,
 * silently wrap: 300 into a {@code UInt8} column) is dead-lettered with a reason instead of failing a whole INSERT.
 *
 * <p>Timestamps ({@code Date}, {@code DateTime}, {@code DateTime64}) take a {@link java.util.Date} (Connect's
 * {@code Timestamp} and {@code Date}), epoch milliseconds, or an ISO-8601 instant, and are written as a Unix time
 * (seconds, or seconds with the column's fraction digits), which ClickHouse reads independently of any time zone.
 */
final class ColumnType {

    /** The last day a Date (days since 1970 as UInt16) holds. */
    private static final LocalDate LAST_DATE = LocalDate.EPOCH.plusDays(65_535);

    enum Kind { STRING, FIXED_STRING, UUID, ENUM, INT, UINT64, FLOAT, DECIMAL, BOOL, DATE, DATETIME, DATETIME64, ARRAY, MAP }

    final String name;
    final Kind kind;
    final boolean nullable;
    private final long min;
    private final long max;
    /** FixedString length, DateTime64 precision. */
    private final int size;
    private final Set<String> enumNames;
    private final Set<Long> enumValues;
    private final ColumnType element;

    private ColumnType(String name, Kind kind, boolean nullable, long min, long max, int size, Set<String> enumNames,
                       Set<Long> enumValues, ColumnType element) {
        this.name = name;
        this.kind = kind;
        this.nullable = nullable;
        this.min = min;
        this.max = max;
        this.size = size;
        this.enumNames = enumNames;
        this.enumValues = enumValues;
        this.element = element;
    }

    private static ColumnType of(String name, Kind kind) {
        return new ColumnType(name, kind, false, 0, 0, 0, null, null, null);
    }

    private static ColumnType integer(String name, long min, long max) {
        return new ColumnType(name, Kind.INT, false, min, max, 0, null, null, null);
    }

    private ColumnType nullable() {
        return new ColumnType("Nullable(" + name + ")", kind, true, min, max, size, enumNames, enumValues, element);
    }

    /** Parses a type; throws IllegalArgumentException for one this sink cannot write (Tuple, AggregateFunction, ...). */
    static ColumnType parse(String type) {
        String t = type.strip();
        int open = t.indexOf('(');
        String family = open < 0 ? t : t.substring(0, open);
        List<String> args = open < 0 ? List.of() : arguments(t.substring(open + 1, t.lastIndexOf(')')));
        switch (family) {
            case "Nullable": return parse(args.get(0)).nullable();
            case "LowCardinality": return parse(args.get(0));
            case "String": return of(t, Kind.STRING);
            case "FixedString": return new ColumnType(t, Kind.FIXED_STRING, false, 0, 0, Integer.parseInt(args.get(0)), null, null, null);
            case "UUID": return of(t, Kind.UUID);
            case "Enum8": case "Enum16": return enumeration(t, args);
            case "Int8": return integer(t, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case "Int16": return integer(t, Short.MIN_VALUE, Short.MAX_VALUE);
            case "Int32": return integer(t, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "Int64": return integer(t, Long.MIN_VALUE, Long.MAX_VALUE);
            case "UInt8": return integer(t, 0, 255);
            case "UInt16": return integer(t, 0, 65_535);
            case "UInt32": return integer(t, 0, 4_294_967_295L);
            case "UInt64": return of(t, Kind.UINT64);
            case "Float32": case "Float64": return of(t, Kind.FLOAT);
            case "Decimal": case "Decimal32": case "Decimal64": case "Decimal128": return of(t, Kind.DECIMAL);
            case "Bool": case "Boolean": return of(t, Kind.BOOL);
            case "Date": return of(t, Kind.DATE);
            case "DateTime": return of(t, Kind.DATETIME);
            case "DateTime64": return new ColumnType(t, Kind.DATETIME64, false, 0, 0, Integer.parseInt(args.get(0).strip()), null, null, null);
            case "Array": return new ColumnType(t, Kind.ARRAY, false, 0, 0, 0, null, null, parse(args.get(0)));
            case "Map":
                ColumnType key = parse(args.get(0));
                if (key.kind != Kind.STRING && key.kind != Kind.FIXED_STRING) {
                    throw new IllegalArgumentException("type " + t + ": only String map keys are supported");
                }
                return new ColumnType(t, Kind.MAP, false, 0, 0, 0, null, null, parse(args.get(1)));
            default:
                throw new IllegalArgumentException("type " + t + " is not supported by this sink");
        }
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

    private static ColumnType enumeration(String t, List<String> args) {
        Set<String> names = new HashSet<>();
        Set<Long> values = new HashSet<>();
        for (String a : args) {
            int eq = a.lastIndexOf('=');
            String quoted = a.substring(0, eq).strip();
            names.add(quoted.substring(1, quoted.length() - 1).replace("\\'", "'").replace("\\\\", "\\"));
            values.add(Long.parseLong(a.substring(eq + 1).strip()));
        }
        return new ColumnType(t, Kind.ENUM, false, 0, 0, 0, Set.copyOf(names), Set.copyOf(values), null);
    }

    /** Writes a value of this type; null is written only for a Nullable type, empty for Array and Map. */
    void write(Object value, JsonBuffer out) {
        if (value == null) {
            if (nullable) {
                out.ascii("null");
            } else if (kind == Kind.ARRAY) {
                out.ascii("[]");
            } else if (kind == Kind.MAP) {
                out.ascii("{}");
            } else {
                throw new DataException("is null and the column is not Nullable");
            }
            return;
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
                    int bytes = cs.toString().getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > size) {
                        throw new DataException(bytes + " bytes do not fit " + name);
                    }
                    out.string(cs);
                    return;
                }
                break;
            case UUID:
                if (value instanceof CharSequence cs) {
                    try {
                        out.string(java.util.UUID.fromString(cs.toString()).toString());
                        return;
                    } catch (IllegalArgumentException e) {
                        throw new DataException("'" + abbreviate(cs) + "' is not a UUID");
                    }
                }
                break;
            case ENUM:
                if (value instanceof CharSequence cs && enumNames.contains(cs.toString())) {
                    out.string(cs);
                    return;
                }
                if (isIntegral(value) && enumValues.contains(((Number) value).longValue())) {
                    out.integer(((Number) value).longValue());
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
                    out.integer(v);
                    return;
                }
                break;
            case UINT64:
                if (value instanceof BigInteger big && big.signum() >= 0 && big.bitLength() <= 64) {
                    out.ascii(big.toString());
                    return;
                }
                if (isIntegral(value)) {
                    long v = ((Number) value).longValue();
                    if (v < 0) {
                        throw new DataException(v + " is out of the range of " + name);
                    }
                    out.integer(v);
                    return;
                }
                break;
            case FLOAT:
                if (value instanceof Number n && !(value instanceof BigDecimal)) {
                    double d = n.doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new DataException("not a finite number: " + value);
                    }
                    out.ascii(value instanceof Float f ? Float.toString(f) : isIntegral(value) ? Long.toString(n.longValue()) : Double.toString(d));
                    return;
                }
                if (value instanceof BigDecimal dec) {
                    out.ascii(dec.toString());
                    return;
                }
                break;
            case DECIMAL:
                if (value instanceof BigDecimal dec) {
                    out.ascii(dec.toPlainString());
                    return;
                }
                if (isIntegral(value)) {
                    out.integer(((Number) value).longValue());
                    return;
                }
                if (value instanceof Double || value instanceof Float) {
                    double d = ((Number) value).doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new DataException("not a finite number: " + value);
                    }
                    out.ascii(BigDecimal.valueOf(d).toPlainString());
                    return;
                }
                break;
            case BOOL:
                if (value instanceof Boolean b) {
                    out.ascii(b ? "true" : "false");
                    return;
                }
                break;
            case DATE:
                LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis(value)), ZoneOffset.UTC);
                if (date.isBefore(LocalDate.EPOCH) || date.isAfter(LAST_DATE)) {
                    throw new DataException(date + " is out of the range of " + name);
                }
                out.string(date.toString());
                return;
            case DATETIME:
                long seconds = Math.floorDiv(epochMillis(value), 1000);
                if (seconds < 0 || seconds > 4_294_967_295L) {
                    throw new DataException(Instant.ofEpochSecond(seconds) + " is out of the range of " + name);
                }
                out.integer(seconds);
                return;
            case DATETIME64:
                out.string(unixTime(epochMillis(value), size));
                return;
            case ARRAY:
                Collection<?> items = value instanceof Collection<?> c ? c : value instanceof Object[] a ? List.of(a) : null;
                if (items != null) {
                    out.ascii('[');
                    int i = 0;
                    for (Object item : items) {
                        if (i > 0) {
                            out.ascii(',');
                        }
                        try {
                            element.write(item, out);
                        } catch (DataException e) {
                            throw new DataException("element " + i + " " + e.getMessage());
                        }
                        i++;
                    }
                    out.ascii(']');
                    return;
                }
                break;
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    out.ascii('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        if (!first) {
                            out.ascii(',');
                        }
                        first = false;
                        out.string(String.valueOf(e.getKey())).ascii(':');
                        try {
                            element.write(e.getValue(), out);
                        } catch (DataException ex) {
                            throw new DataException("entry '" + e.getKey() + "' " + ex.getMessage());
                        }
                    }
                    out.ascii('}');
                    return;
                }
                break;
            default:
                throw new IllegalStateException(kind.name());
        }
        throw new DataException("expected " + expected() + " for " + name + " but found " + value.getClass().getSimpleName()
                + " '" + abbreviate(value) + "'");
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

    private static boolean isIntegral(Object v) {
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
