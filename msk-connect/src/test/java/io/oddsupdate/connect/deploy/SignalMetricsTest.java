package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.common.Signals;

/**
 * The metric filters and signal alarms as the build renders them for prod: a signal line exactly as a plugin writes it
 * ({@link Signals#line}), inside a worker log event, becomes the metric its filter names, and every signal alarm
 * watches a metric some filter produces with exactly the alarm's dimensions.
 */
class SignalMetricsTest {

    static final String ENV = "prod";
    /** A worker log event around a message: MSK Connect's worker id, then Connect's log4j layout (docs/operations.md). */
    static String event(String message) {
        return "[Worker-0a1b2c3d4e5f67890] [2026-12-04 12:00:00,123] INFO " + message + " (io.oddsupdate.connect.common.Signals:171)";
    }

    static List<JsonNode> filters() throws IOException {
        List<JsonNode> filters = new ArrayList<>();
        try (Stream<Path> files = Files.list(ShippedConfigs.dir(ENV).resolve("msk/metric-filters"))) {
            for (Path f : files.sorted().toList()) {
                filters.add(ShippedConfigs.json(ENV, "msk/metric-filters/" + f.getFileName()));
            }
        }
        return filters;
    }

    @Test
    void theGeneratorAndThePluginsAgreeOnNames() {
        assertEquals(Signals.LOG_MARKER, SignalMetrics.MARKER);
        assertEquals(List.of(Signals.DEAD_LETTERS, Signals.ODDS_PUBLISHED, Signals.OBJECTS_COMMITTED, Signals.ROWS_INSERTED, Signals.LATENCY_MS),
                List.of(SignalMetrics.DEAD_LETTERS, SignalMetrics.ODDS_PUBLISHED, SignalMetrics.OBJECTS_COMMITTED, SignalMetrics.ROWS_INSERTED,
                        SignalMetrics.LATENCY_MS));
    }

    @Test
    void aSignalLineBecomesTheMetricOfItsFilter() throws IOException {
        JsonNode plan = ShippedConfigs.json(ENV, "msk/upgrade-plan.json");
        List<String> requested = new ArrayList<>();
        plan.path("logGroup").path("metricFilters").forEach(r -> requested.add(r.asText()));
        Set<String> metrics = new TreeSet<>();
        for (JsonNode f : filters()) {
            assertTrue(requested.contains("metric-filters/" + f.path("filterName").asText() + ".json"), "msk-upgrade puts it: " + f);
            assertEquals(plan.path("logGroup").path("name").asText(), f.path("logGroupName").asText());
            JsonNode t = f.path("metricTransformations").path(0);
            assertEquals(SignalMetrics.NAMESPACE, t.path("metricNamespace").asText());
            assertEquals("$value", t.path("metricValue").asText());
            metrics.add(t.path("metricName").asText());
            SpaceDelimitedPattern pattern = new SpaceDelimitedPattern(f.path("filterPattern").asText());
            String signal = signalOf(f.path("filterPattern").asText());

            // what a task writes, with a task context in front (a task thread's log) or without (the reporter's)
            for (String message : List.of(Signals.line("odds-sink", signal, "odds-sink", "2", "unknown-game", 17),
                    "[odds-sink|task-2] " + Signals.line("odds-sink", signal, "odds-sink", "2", "unknown-game", 17))) {
                Map<String, String> fields = pattern.match(event(message));
                assertNotNull(fields, f.path("filterName").asText() + " does not match " + event(message));
                assertEquals("17", fields.get("value"));
                // dimensions name fields of the match: $connector → odds-sink, $tag → unknown-game
                t.path("dimensions").fields().forEachRemaining(d -> {
                    String value = fields.get(d.getValue().asText().substring(1));
                    assertEquals(d.getKey().equals(Alarms.DIMENSION) ? "odds-sink" : "unknown-game", value, d.getKey());
                });
            }
            // another signal's line, and ordinary log lines, are not this metric
            String other = signal.equals(Signals.DEAD_LETTERS) ? Signals.ROWS_INSERTED : Signals.DEAD_LETTERS;
            assertNull(pattern.match(event(Signals.line("p", other, "c", "0", "-", 1))));
            assertNull(pattern.match(event("WorkerSinkTask{id=odds-sink-0} Committing offsets asynchronously")));
            assertNull(pattern.match(event("a message naming " + Signals.LOG_MARKER + " in passing")));
        }
        assertEquals(Set.of("DeadLetters", "DeadLettersByReason", "PublishedOdds", "PublishedOddsByLeague", "ObjectsCommitted",
                "RowsInserted", "LatencyMs"), metrics);
    }

    private static String signalOf(String pattern) {
        int at = pattern.indexOf("signal=\"") + "signal=\"".length();
        return pattern.substring(at, pattern.indexOf('"', at));
    }

    @Test
    void everyConnectorHasTheAlarmsOfItsSignalsOnMetricsAFilterProduces() throws IOException {
        Set<String> produced = new HashSet<>(); // metric + its dimension names
        for (JsonNode f : filters()) {
            JsonNode t = f.path("metricTransformations").path(0);
            Set<String> dims = new TreeSet<>();
            t.path("dimensions").fieldNames().forEachRemaining(dims::add);
            produced.add(t.path("metricName").asText() + dims);
        }
        Map<String, Set<String>> byClass = new TreeMap<>();
        for (Map.Entry<String, Map<String, String>> c : ShippedConfigs.connectors(ENV).entrySet()) {
            String name = c.getKey();
            Set<String> suffixes = new TreeSet<>();
            for (JsonNode alarmName : planStep(name).path("alarms")) {
                JsonNode alarm = ShippedConfigs.json(ENV, "msk/alarms/" + alarmName.asText() + ".json");
                String suffix = alarmName.asText().substring(alarmName.asText().indexOf(name + "-") + name.length() + 1);
                suffixes.add(suffix);
                assertTrue(alarm.path("AlarmDescription").asText().contains("docs/operations.md#" + suffix), alarmName.asText());
                if (alarm.path("Namespace").asText().equals(SignalMetrics.NAMESPACE)) {
                    Set<String> dims = new TreeSet<>();
                    alarm.path("Dimensions").forEach(d -> dims.add(d.path("Name").asText()));
                    assertEquals(name, alarm.path("Dimensions").path(0).path("Value").asText());
                    assertTrue(produced.contains(alarm.path("MetricName").asText() + dims),
                            alarmName.asText() + ": no filter produces " + alarm.path("MetricName").asText() + dims);
                    assertTrue(alarm.path("Period").asInt() % 60 == 0 && alarm.path("Period").asInt() >= 60, alarmName.asText());
                }
            }
            byClass.merge(c.getValue().get("connector.class").replaceAll(".*\\.", "") + (hasDlqTransform(c.getValue()) ? "+dlq" : ""),
                    suffixes, (a, b) -> {
                        assertEquals(a, b, "connectors of one class get the same alarms");
                        return a;
                    });
        }
        Set<String> tasks = Set.of("errored-tasks", "running-tasks-low");
        assertEquals(plus(tasks, "dead-letters", "latency-high"), byClass.get("OddsSinkConnector"));
        assertEquals(plus(tasks, "dead-letters", "odds-published-low", "latency-high"), byClass.get("OddsSourceConnector"));
        assertEquals(plus(tasks, "dead-letters", "bronze-objects-none"), byClass.get("S3ParquetSinkConnector"));
        assertEquals(plus(tasks, "dead-letters", "latency-high"), byClass.get("TopicMappingMirrorSourceConnector+dlq"));
        assertEquals(tasks, byClass.get("TopicMappingMirrorHeartbeatConnector"));
        if (byClass.containsKey("ClickHouseSinkConnector")) {
            assertEquals(plus(tasks, "dead-letters", "latency-high"), byClass.get("ClickHouseSinkConnector"));
        }
    }

    @Test
    void missingSignalsCountAsTheProblemOnlyWhereSilenceIsOne() throws IOException {
        for (String name : ShippedConfigs.connectors(ENV).keySet()) {
            for (JsonNode alarmName : planStep(name).path("alarms")) {
                JsonNode alarm = ShippedConfigs.json(ENV, "msk/alarms/" + alarmName.asText() + ".json");
                String a = alarmName.asText();
                if (a.endsWith("-odds-published-low") || a.endsWith("-bronze-objects-none")) {
                    assertEquals("breaching", alarm.path("TreatMissingData").asText(), a + ": no line means no task reporting");
                    assertEquals("LessThanThreshold", alarm.path("ComparisonOperator").asText(), a);
                } else if (a.endsWith("-dead-letters") || a.endsWith("-latency-high")) {
                    assertEquals("notBreaching", alarm.path("TreatMissingData").asText(), a);
                    assertEquals("GreaterThanThreshold", alarm.path("ComparisonOperator").asText(), a);
                }
            }
        }
        assertFalse(ShippedConfigs.connectors(ENV).isEmpty());
    }

    private static boolean hasDlqTransform(Map<String, String> config) {
        return config.keySet().stream().anyMatch(k -> k.startsWith("transforms.") && k.endsWith(".dlq.topic"));
    }

    private static Set<String> plus(Set<String> base, String... more) {
        Set<String> s = new TreeSet<>(base);
        s.addAll(List.of(more));
        return s;
    }

    private static JsonNode planStep(String name) {
        for (JsonNode step : ShippedConfigs.json(ENV, "msk/upgrade-plan.json").path("connectors")) {
            if (step.path("name").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError(name + " is not in msk/upgrade-plan.json");
    }
}
