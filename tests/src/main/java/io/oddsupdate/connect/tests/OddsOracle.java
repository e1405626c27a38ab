package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What each valid vendor event must produce: the odds connector's own offline replay of the model
 * ({@code io.oddsupdate.connect.odds.OddsReplay}) over the pipeline's reference data, independent of Redis, Kafka and
 * Connect. It is loaded from the bundle's jars on the worker's {@code plugin.path} in a class loader of its own: no plugin
 * class is on this class path (see the root pom), and this way the oracle is the model the pipeline runs.
 *
 * <p>Records are compared by {@link #fingerprint}: a 64-bit hash of the named fields' values, normalised so that JSON, Avro
 * and Parquet renderings of the same odds update agree (integral numbers as longs, floating ones as doubles, strings,
 * maps sorted by key).
 */
final class OddsOracle implements AutoCloseable {

    /** The fields of an internal odds update the model decides (not when or where the sink read its input). */
    static final List<String> MODEL_FIELDS = List.of("event_uid", "event_ts", "league", "game_id", "team_id", "player_id",
            "market", "selection", "line", "odds", "decimal_odds", "model_version", "fair_prob", "model_inputs");

    private static final String REPLAY = "io.oddsupdate.connect.odds.OddsReplay";

    private final URLClassLoader loader;
    private final Object replay;
    private final MethodHandle apply;

    /** @param pluginPath the worker's {@code plugin.path}, holding the unpacked bundle */
    OddsOracle(Path pluginPath, String postgresUrl, String postgresUser) {
        this.loader = new URLClassLoader("odds-oracle", jars(pluginPath), OddsOracle.class.getClassLoader());
        try {
            Class<?> c = Class.forName(REPLAY, true, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            this.replay = lookup.findConstructor(c, MethodType.methodType(void.class, String.class, String.class, String.class))
                    .invoke(postgresUrl, postgresUser, null);
            this.apply = lookup.findVirtual(c, "apply", MethodType.methodType(List.class, byte[].class)).bindTo(replay);
        } catch (Throwable e) {
            close();
            throw new IllegalStateException("cannot load " + REPLAY + " from the bundle on " + pluginPath, e);
        }
    }

    private static URL[] jars(Path pluginPath) {
        try (Stream<Path> files = Files.walk(pluginPath)) {
            return files.filter(f -> f.toString().endsWith(".jar")).map(f -> {
                try {
                    return f.toUri().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The odds updates the next valid event of its game must produce (its fields, {@link #MODEL_FIELDS}); empty when it
     * prices nothing.
     *
     * @throws IllegalArgumentException when the odds sink would dead-letter it
     */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> expected(byte[] vendorEvent) {
        try {
            return (List<Map<String, Object>>) apply.invoke(vendorEvent);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A digest of {@code fields}' values of the named fields (a missing field counts as null). */
    static long fingerprint(Map<String, Object> record, Collection<String> fields) {
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            b.append(f).append('=');
            normalise(record.get(f), b);
            b.append('\u0001');
        }
        return hash64(b);
    }

    /**
     * A 64-bit FNV-1a hash of the text: cheap enough for every record the tally reads (a cryptographic digest was a fifth
     * of the harness's CPU), and two different renderings colliding is a 2^-64 chance per comparison.
     */
    private static long hash64(CharSequence text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            h = (h ^ (c & 0xff)) * 0x100000001b3L;
            h = (h ^ (c >>> 8)) * 0x100000001b3L;
        }
        return h;
    }

    /** The canonical text of the named fields, for a message showing how two records differ. */
    static String canonical(Map<String, Object> record, Collection<String> fields) {
        StringBuilder b = new StringBuilder("{");
        for (String f : fields) {
            b.append(b.length() > 1 ? ", " : "").append(f).append('=');
            normalise(record.get(f), b);
        }
        return b.append('}').toString();
    }

    private static void normalise(Object v, StringBuilder b) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Double || v instanceof Float) {
            b.append("d:").append(((Number) v).doubleValue());
        } else if (v instanceof Number n) {
            b.append("l:").append(n.longValue());
        } else if (v instanceof java.time.Instant i) {
            b.append("l:").append(i.toEpochMilli());
        } else if (v instanceof CharSequence s) {
            b.append("s:").append(s);
        } else if (v instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            m.forEach((k, x) -> sorted.put(String.valueOf(k), x));
            b.append('{');
            sorted.forEach((k, x) -> {
                b.append(k).append(':');
                normalise(x, b);
                b.append(',');
            });
            b.append('}');
        } else if (v instanceof com.fasterxml.jackson.databind.JsonNode j) {
            normalise(j.isTextual() ? j.textValue() : j.isIntegralNumber() ? (Object) j.longValue() : j.isNumber() ? (Object) j.doubleValue()
                    : j.isObject() ? new com.fasterxml.jackson.databind.ObjectMapper().convertValue(j, Map.class) : j.toString(), b);
        } else {
            b.append("?:").append(v);
        }
    }

    @Override
    public void close() {
        try {
            if (replay instanceof AutoCloseable c) {
                c.close();
            }
            loader.close();
        } catch (Exception e) {
            System.err.println("while closing the odds oracle: " + e);
        }
    }
}
