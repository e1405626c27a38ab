package io.oddsupdate.connect.common;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * A dotted path into a record value: {@code game_id}, {@code payload.player_id}. Each dot steps into a nested
 * object (a {@link Struct} field, a {@link Map} entry, a JSON object member or an Avro record field); arrays are not indexed.
 * A field whose name itself contains a dot cannot be addressed.
 */
public final class FieldPath {

    private final String path;
    private final String[] names;
    private final int hash;

    private FieldPath(String path) {
        this.path = path;
        this.names = path.split("\\.", -1);
        for (String name : names) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty field name in path '" + path + "'");
            }
        }
        this.hash = Arrays.hashCode(names);
    }

    public static FieldPath parse(String path) {
        return new FieldPath(path.strip());
    }

    /** Parses a config value (a list of paths), naming the config key when one is malformed. */
    public static List<FieldPath> parseAll(String configKey, Collection<String> paths) {
        List<FieldPath> parsed = new ArrayList<>(paths.size());
        for (String p : paths) {
            try {
                parsed.add(parse(p));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(configKey, p, e.getMessage());
            }
        }
        return List.copyOf(parsed);
    }

    /** A {@link ConfigDef.Validator} for a list of dotted paths. */
    public static ConfigDef.Validator validList(boolean allowEmpty) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                @SuppressWarnings("unchecked")
                List<String> paths = (List<String>) value;
                if (paths == null || (!allowEmpty && paths.isEmpty())) {
                    throw new ConfigException(name, value, "at least one dotted path is required");
                }
                parseAll(name, paths);
            }

            @Override
            public String toString() {
                return "list of dotted paths" + (allowEmpty ? "" : ", non-empty");
            }
        };
    }

    public int depth() {
        return names.length;
    }

    public String name(int i) {
        return names[i];
    }

    /**
     * The value at this path in a {@link Struct}, {@link Map} or Avro record tree, or null when absent. Fields missing
     * from the schema count as absent, so one path list serves several schema versions.
     */
    public Object get(Object tree) {
        Object node = tree;
        for (String name : names) {
            if (node instanceof Struct) {
                Struct struct = (Struct) node;
                Field field = struct.schema().field(name);
                node = field == null ? null : struct.get(field);
            } else if (node instanceof Map) {
                node = ((Map<?, ?>) node).get(name);
            } else if (node instanceof IndexedRecord record) {
                org.apache.avro.Schema.Field field = record.getSchema().getField(name);
                node = field == null ? null : record.get(field.pos());
            } else {
                return null;
            }
        }
        return node;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof FieldPath && hash == ((FieldPath) o).hash && Arrays.equals(names, ((FieldPath) o).names));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return path;
    }
}
