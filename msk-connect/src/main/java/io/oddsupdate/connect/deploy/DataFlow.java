package io.oddsupdate.connect.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which connector feeds which, from {@code connectors.json}: B is downstream of A when B reads a topic A writes on the
 * same cluster (their grants), or when B names A in {@code upstream} (a hop outside Kafka, e.g. odds-source reads the
 * Redis streams odds-sink writes).
 *
 * <p>An upgrade on MSK Connect deletes and re-creates every connector (a custom plugin cannot be updated in place).
 * It goes downstream first: a reader runs the new plugin version before any writer does, so a new record shape never
 * reaches an old reader (readers-before-writers, as for a BACKWARD-compatible schema change), and while a connector is
 * down its input waits in Kafka (or Redis) instead of being produced into a reader that is being replaced.
 */
final class DataFlow {

    /** Connector name to the connectors that read what it writes. */
    private final Map<String, Set<String>> downstream = new TreeMap<>();

    DataFlow(JsonNode connectors, Collection<String> names) {
        for (String n : names) {
            downstream.put(n, new TreeSet<>());
        }
        for (String writer : names) {
            for (String reader : names) {
                if (!writer.equals(reader) && (readsWhatItWrites(connectors.path(reader), connectors.path(writer))
                        || contains(connectors.path(reader).path("upstream"), writer))) {
                    downstream.get(writer).add(reader);
                }
            }
        }
        for (String n : names) {
            for (JsonNode up : connectors.path(n).path("upstream")) {
                if (!downstream.containsKey(up.asText())) {
                    throw new IllegalArgumentException("connectors.json " + n + ".upstream names " + up + ", which is not a shipped connector");
                }
            }
        }
    }

    Set<String> downstreamOf(String connector) {
        return downstream.get(connector);
    }

    Set<String> upstreamOf(String connector) {
        Set<String> up = new TreeSet<>();
        downstream.forEach((writer, readers) -> {
            if (readers.contains(connector)) {
                up.add(writer);
            }
        });
        return up;
    }

    /**
     * Every connector after all connectors downstream of it (a reverse topological order, ties by name so the plan is
     * stable).
     *
     * @throws IllegalArgumentException on a cycle, naming the connectors in it
     */
    List<String> downstreamFirst() {
        List<String> order = new ArrayList<>();
        Set<String> left = new TreeSet<>(downstream.keySet());
        while (!left.isEmpty()) {
            String next = left.stream().filter(n -> order.containsAll(downstream.get(n))).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("connectors.json: the connectors " + left
                            + " feed each other in a cycle; no upgrade order reads before it writes"));
            order.add(next);
            left.remove(next);
        }
        return order;
    }

    private static boolean readsWhatItWrites(JsonNode reader, JsonNode writer) {
        for (JsonNode r : reader.path("kafka")) {
            for (JsonNode w : writer.path("kafka")) {
                if (!r.path("cluster").asText().equals(w.path("cluster").asText())) {
                    continue;
                }
                for (JsonNode read : r.path("read")) {
                    for (JsonNode write : w.path("write")) {
                        if (IamPolicies.overlaps(read.asText(), write.asText())) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
