package io.oddsupdate.connect.deploy;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;

/** Just enough YAML for Kubernetes manifests of maps, lists and scalars; strings are written as JSON strings (valid YAML). */
final class Yaml {

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_./-]*");

    private Yaml() {
    }

    static String write(Map<String, ?> doc) {
        StringBuilder sb = new StringBuilder();
        map(sb, doc, 0);
        return sb.toString();
    }

    private static void map(StringBuilder sb, Map<String, ?> m, int indent) {
        for (Map.Entry<String, ?> e : m.entrySet()) {
            sb.append(" ".repeat(indent)).append(key(e.getKey())).append(':');
            value(sb, e.getValue(), indent);
        }
    }

    @SuppressWarnings("unchecked")
    private static void value(StringBuilder sb, Object v, int indent) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            sb.append('\n');
            map(sb, (Map<String, ?>) m, indent + 2);
        } else if (v instanceof List<?> l && !l.isEmpty()) {
            sb.append('\n');
            for (Object item : l) {
                sb.append(" ".repeat(indent)).append("- ");
                if (item instanceof Map<?, ?> im && !im.isEmpty()) {
                    // first key on the dash line, the rest aligned under it
                    StringBuilder inner = new StringBuilder();
                    map(inner, (Map<String, ?>) im, indent + 2);
                    sb.append(inner.substring(indent + 2));
                } else {
                    sb.append(scalar(item)).append('\n');
                }
            }
        } else {
            sb.append(' ').append(scalar(v)).append('\n');
        }
    }

    private static String key(String k) {
        return PLAIN_KEY.matcher(k).matches() ? k : scalar(k);
    }

    private static String scalar(Object v) {
        if (v instanceof Map<?, ?>) {
            return "{}";
        }
        if (v instanceof List<?>) {
            return "[]";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        try {
            return ConnectorConfigs.JSON.writeValueAsString(String.valueOf(v));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
