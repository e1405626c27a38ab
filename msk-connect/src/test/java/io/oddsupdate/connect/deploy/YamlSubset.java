package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads back the YAML {@link Yaml} writes (block maps and lists, scalars as JSON, documents separated by {@code ---}),
 * so the manifest tests check the file that is applied, not the objects it was written from. Anything outside that
 * subset is an error naming the line, never a silent guess.
 */
final class YamlSubset {

    private final List<String> lines = new ArrayList<>();
    private int i;

    private YamlSubset(List<String> lines) {
        this.lines.addAll(lines);
    }

    /** Every document of a multi-document file. */
    static List<Map<String, Object>> documents(String text) {
        List<Map<String, Object>> docs = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : (text + "\n---").split("\n")) {
            if (line.equals("---")) {
                if (!current.isEmpty()) {
                    docs.add(new YamlSubset(current).document());
                }
                current = new ArrayList<>();
            } else if (!line.isBlank() && !line.startsWith("#")) {
                current.add(line);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> document() {
        Object v = block(0);
        if (i != lines.size()) {
            throw new IllegalArgumentException("unexpected indentation at: " + lines.get(i));
        }
        return (Map<String, Object>) v;
    }

    private Object block(int indent) {
        return lines.get(i).startsWith("- ", indent) ? list(indent) : map(indent);
    }

    private Map<String, Object> map(int indent) {
        Map<String, Object> m = new LinkedHashMap<>();
        while (i < lines.size() && indent(lines.get(i)) == indent && !lines.get(i).startsWith("- ", indent)) {
            String line = lines.get(i).substring(indent);
            String[] kv = keyAndRest(line);
            i++;
            Object value;
            if (!kv[1].isEmpty()) {
                value = scalar(kv[1]);
            } else if (i < lines.size() && indent(lines.get(i)) > indent) {
                value = block(indent(lines.get(i)));
            } else if (i < lines.size() && indent(lines.get(i)) == indent && lines.get(i).startsWith("- ", indent)) {
                value = list(indent);
            } else {
                throw new IllegalArgumentException("no value for key '" + kv[0] + "'");
            }
            if (m.put(kv[0], value) != null) {
                throw new IllegalArgumentException("key '" + kv[0] + "' twice in one map");
            }
        }
        return m;
    }

    private List<Object> list(int indent) {
        List<Object> l = new ArrayList<>();
        while (i < lines.size() && indent(lines.get(i)) == indent && lines.get(i).startsWith("- ", indent)) {
            String rest = lines.get(i).substring(indent + 2);
            if (keyAndRest(rest) != null) {
                lines.set(i, " ".repeat(indent + 2) + rest); // a map item: its first key moves under the others
                l.add(map(indent + 2));
            } else {
                l.add(scalar(rest));
                i++;
            }
        }
        return l;
    }

    /** {key, rest} of {@code key: rest} (key plain or a JSON string), or null when the text is a scalar. */
    private static String[] keyAndRest(String s) {
        int end;
        if (s.startsWith("\"")) {
            end = 1;
            while (end < s.length() && s.charAt(end) != '"') {
                end += s.charAt(end) == '\\' ? 2 : 1;
            }
            end++;
        } else {
            end = s.indexOf(':');
            if (end < 0) {
                return null;
            }
        }
        if (end > s.length() - 1 || s.charAt(end) != ':' || (end + 1 < s.length() && s.charAt(end + 1) != ' ')) {
            return null;
        }
        String key = s.startsWith("\"") ? ((String) scalar(s.substring(0, end))) : s.substring(0, end);
        return new String[] {key, s.substring(end + 1).strip()};
    }

    private static Object scalar(String text) {
        try {
            JsonNode n = ConnectorConfigs.JSON.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException("not a scalar: " + text);
            }
            return n.isTextual() ? n.asText() : n.isNumber() ? n.numberValue() : n.isBoolean() ? n.asBoolean()
                    : n.isObject() ? new LinkedHashMap<>() : new ArrayList<>();
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON scalar: " + text, e);
        }
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
