package io.oddsupdate.connect.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of CloudWatch Logs' space-delimited filter patterns the signal filters use ("Filter pattern syntax",
 * space-delimited log events): a log event's fields are separated by spaces, and text between {@code [ ]} or
 * {@code " "} is one field; a pattern {@code [..., a="x", b, c]} matches an event whose last fields are, in order, the
 * named ones, each either anything or equal to its quoted literal. Enough to prove a line matches, and what
 * {@code $b} is; not a general implementation (no wildcards, numbers or a second ellipsis).
 */
final class SpaceDelimitedPattern {

    private record Field(String name, String literal) {
    }

    private final List<Field> fields = new ArrayList<>();

    SpaceDelimitedPattern(String pattern) {
        if (!pattern.startsWith("[...,") || !pattern.endsWith("]")) {
            throw new IllegalArgumentException("only [..., fields] patterns: " + pattern);
        }
        for (String f : pattern.substring(5, pattern.length() - 1).split(",")) {
            String[] kv = f.strip().split("=", 2);
            if (kv.length == 2 && !(kv[1].startsWith("\"") && kv[1].endsWith("\""))) {
                throw new IllegalArgumentException("only quoted literals: " + f);
            }
            fields.add(new Field(kv[0], kv.length == 2 ? kv[1].substring(1, kv[1].length() - 1) : null));
        }
    }

    /** The named fields' values, or null if the event does not match. */
    Map<String, String> match(String event) {
        List<String> tokens = tokens(event);
        if (tokens.size() < fields.size()) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> tail = tokens.subList(tokens.size() - fields.size(), tokens.size());
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.literal() != null && !f.literal().equals(tail.get(i))) {
                return null;
            }
            values.put(f.name(), tail.get(i));
        }
        return values;
    }

    static List<String> tokens(String event) {
        List<String> tokens = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        char close = 0;
        for (char c : event.strip().toCharArray()) {
            if (close != 0) {
                if (c == close) {
                    close = 0;
                } else {
                    t.append(c);
                }
            } else if (c == '[' || c == '"') {
                close = c == '[' ? ']' : '"';
            } else if (c == ' ') {
                if (t.length() > 0) {
                    tokens.add(t.toString());
                    t.setLength(0);
                }
            } else {
                t.append(c);
            }
        }
        if (t.length() > 0) {
            tokens.add(t.toString());
        }
        return tokens;
    }
}
