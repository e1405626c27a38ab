package io.oddsupdate.connect.odds;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * A vendor event ({@code schemas/raw-event/v1.avsc}) read from whatever the converter delivered: a {@link Struct}
 * (Avro/JSON-with-schema converters), a {@link Map} (schemaless JSON), or JSON as {@code byte[]}/{@link String}
 * (MirrorMaker 2 with {@code ByteArrayConverter}), through the shared payload layer ({@code io.oddsupdate.connect.common.Payload}).
 */
record VendorEvent(String eventId, String gameId, String league, long seq, long eventTs, Type type, String modelVersion,
                   Payload payload) {

    enum Type { GAME_START, SCORE, CLOCK, PLAYER_STAT, GAME_END }

    record Payload(Integer period, Integer clockRemainingS, Integer outs, Boolean topOfInning, Integer homeScore,
                   Integer awayScore, String teamId, String playerId, String stat, Double statValue) {
        static final Payload EMPTY = new Payload(null, null, null, null, null, null, null, null, null, null);
    }

    /** Reads an event; a {@link DataException} names the first unusable field. */
    static VendorEvent from(Object value) {
        if (value == null) {
            throw new DataException("tombstone: the record has no value");
        }
        // bytes (JSON, or a format registered with the payload layer) are decoded by the shared payload layer
        Object decoded = io.oddsupdate.connect.common.Payload.of(null, value instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : value).decoded();
        if (decoded instanceof Struct s) {
            return fromFields(new StructFields(s));
        }
        if (decoded instanceof Map<?, ?> m) {
            return fromFields(new MapFields(m));
        }
        throw new DataException("expected an event object, found " + (decoded == null ? "null" : decoded.getClass().getSimpleName()));
    }

    private static VendorEvent fromFields(Fields f) {
        String typeName = f.string("type", true);
        Type type;
        try {
            type = Type.valueOf(typeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DataException("type: unknown event type '" + typeName + "'");
        }
        Fields p = f.nested("payload");
        Payload payload = p == null ? Payload.EMPTY : new Payload(
                p.integer("payload.period"), p.integer("payload.clock_remaining_s"), p.integer("payload.outs"),
                p.bool("payload.top_of_inning"), p.integer("payload.home_score"), p.integer("payload.away_score"),
                p.string("payload.team_id", false), p.string("payload.player_id", false), p.string("payload.stat", false),
                p.dbl("payload.stat_value"));
        Long seq = f.lng("seq");
        Long ts = f.lng("event_ts");
        if (seq == null) {
            throw new DataException("seq: missing");
        }
        if (ts == null) {
            throw new DataException("event_ts: missing");
        }
        String league = f.string("league", true).toLowerCase(Locale.ROOT);
        return new VendorEvent(f.string("event_id", true), f.string("game_id", true), league, seq, ts, type,
                f.string("model_version", false), payload);
    }

    /** Field access over a Struct or a Map, with paths in error messages. */
    private abstract static class Fields {
        abstract Object get(String name);

        abstract Fields nested(String name);

        String string(String path, boolean required) {
            Object v = get(leaf(path));
            if (v == null) {
                if (required) {
                    throw new DataException(path + ": missing");
                }
                return null;
            }
            if (v instanceof CharSequence || v instanceof Enum<?>) {
                String s = v.toString();
                if (required && s.isEmpty()) {
                    throw new DataException(path + ": empty");
                }
                return s;
            }
            throw new DataException(path + ": expected a string, found " + v.getClass().getSimpleName());
        }

        Long lng(String path) {
            Object v = get(leaf(path));
            if (v == null) {
                return null;
            }
            if (v instanceof Date d) {
                return d.getTime();
            }
            if (v instanceof Number n && (v instanceof Long || v instanceof Integer || v instanceof Short || n.doubleValue() == Math.rint(n.doubleValue()))) {
                return n.longValue();
            }
            throw new DataException(path + ": expected an integer, found " + v);
        }

        Integer integer(String path) {
            Long l = lng(path);
            if (l == null) {
                return null;
            }
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new DataException(path + ": out of range: " + l);
            }
            return l.intValue();
        }

        Double dbl(String path) {
            Object v = get(leaf(path));
            if (v == null) {
                return null;
            }
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            throw new DataException(path + ": expected a finite number, found " + v);
        }

        Boolean bool(String path) {
            Object v = get(leaf(path));
            if (v == null || v instanceof Boolean) {
                return (Boolean) v;
            }
            throw new DataException(path + ": expected a boolean, found " + v);
        }

        private static String leaf(String path) {
            return path.substring(path.lastIndexOf('.') + 1);
        }
    }

    private static final class MapFields extends Fields {
        private final Map<?, ?> map;

        MapFields(Map<?, ?> map) {
            this.map = map;
        }

        @Override
        Object get(String name) {
            return map.get(name);
        }

        @Override
        Fields nested(String name) {
            Object v = map.get(name);
            if (v == null) {
                return null;
            }
            if (v instanceof Map<?, ?> m) {
                return new MapFields(m);
            }
            throw new DataException(name + ": expected an object, found " + v.getClass().getSimpleName());
        }
    }

    private static final class StructFields extends Fields {
        private final Struct struct;

        StructFields(Struct struct) {
            this.struct = struct;
        }

        @Override
        Object get(String name) {
            Field f = struct.schema().field(name);
            return f == null ? null : struct.get(f);
        }

        @Override
        Fields nested(String name) {
            Object v = get(name);
            if (v == null) {
                return null;
            }
            if (v instanceof Struct s) {
                return new StructFields(s);
            }
            throw new DataException(name + ": expected a struct, found " + v.getClass().getSimpleName());
        }
    }
}
