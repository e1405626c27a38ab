package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectRest;

/**
 * What every Connect runtime we support must say about every shipped config (local environment, secrets resolved by
 * the worker's FileConfigProvider): zero errors; and for a broken copy of each (a bad regex, a missing required key, an
 * unknown transform type), an error on the offending key.
 */
final class ConfigValidation {

    static final String ENV = "local";

    private ConfigValidation() {
    }

    static Stream<DynamicNode> tests(ConnectRest rest) {
        Map<String, Map<String, String>> shipped = ShippedConfigs.connectors(ENV);
        assertFalse(shipped.isEmpty(), "no shipped configs rendered for " + ENV);
        Stream<DynamicNode> heldBack = ShippedConfigs.heldBack(ENV).entrySet().stream().map(c -> DynamicTest.dynamicTest(
                "held back: " + c.getKey() + " still fails to validate", () -> {
                    List<String> errors = ConnectRest.errors(rest.validate(c.getValue()));
                    System.out.printf("held back %s: %s%n", c.getKey(), errors);
                    assertFalse(errors.isEmpty(), c.getKey() + " validates with zero errors now: ship it (remove heldBack in connector-configs/connectors.json)");
                }));
        Stream<DynamicNode> topicsRegex = shipped.entrySet().stream().filter(c -> c.getValue().containsKey("topics.regex"))
                .map(c -> DynamicTest.dynamicTest(c.getKey() + ": bad topics.regex is refused", () -> badTopicsRegex(rest, c.getKey(), c.getValue())));
        return Stream.concat(Stream.concat(heldBack, topicsRegex), shipped.entrySet().stream().map(c -> DynamicContainer.dynamicContainer(c.getKey(), Stream.of(
                DynamicTest.dynamicTest("validates with zero errors", () -> {
                    JsonNode v = rest.validate(c.getValue());
                    List<String> errors = ConnectRest.errors(v);
                    System.out.printf("validate %s (%s): %d errors %s%n", c.getKey(), c.getValue().get("connector.class"), errors.size(), errors);
                    assertEquals(List.of(), errors, c.getKey());
                    assertEquals(0, v.path("error_count").asInt(), c.getKey() + " error_count");
                }),
                DynamicTest.dynamicTest("bad regex is reported on its key", () -> {
                    Map.Entry<String, String> bad = badRegex(c.getValue());
                    expectErrorOn(rest, c.getKey(), with(c.getValue(), bad.getKey(), bad.getValue()), bad.getKey());
                }),
                DynamicTest.dynamicTest("missing required key is reported", () -> {
                    String key = requiredKey(rest, c.getValue());
                    Map<String, String> broken = new LinkedHashMap<>(c.getValue());
                    broken.remove(key);
                    expectErrorOn(rest, c.getKey(), broken, key);
                }),
                DynamicTest.dynamicTest("unknown transform type is reported on its key", () -> {
                    Map<String, String> broken = new LinkedHashMap<>(c.getValue());
                    String transforms = broken.getOrDefault("transforms", "");
                    String alias = transforms.isBlank() ? "broken" : transforms.split(",")[0].strip();
                    if (transforms.isBlank()) {
                        broken.put("transforms", alias);
                    }
                    broken.put("transforms." + alias + ".type", "io.oddsupdate.connect.smt.NoSuchTransform");
                    expectErrorOn(rest, c.getKey(), broken, "transforms." + alias + ".type");
                })))));
    }

    /**
     * Connect 3.7.2 compiles a sink's {@code topics.regex} during validation without catching the syntax error: the
     * request fails with HTTP 500 and the PatternSyntaxException's message instead of an error on the key. Recorded
     * here (either outcome refuses the config), so the day a runtime reports it per key the output says so.
     */
    private static void badTopicsRegex(ConnectRest rest, String connector, Map<String, String> config) {
        Map<String, String> broken = new LinkedHashMap<>(config);
        broken.put("topics.regex", "raw\\.events\\.(.+");
        Map.Entry<Integer, String> r = rest.validateRaw(broken);
        if (r.getKey() / 100 == 2) {
            List<String> errors = ConnectRest.errors(parse(r.getValue()));
            System.out.printf("broken %s [topics.regex]: per-key %s%n", connector, errors);
            assertTrue(errors.stream().anyMatch(e -> e.startsWith("topics.regex: ")), connector + ": " + errors);
        } else {
            System.out.printf("broken %s [topics.regex]: HTTP %d %s%n", connector, r.getKey(), r.getValue());
            assertEquals(500, r.getKey().intValue(), r.getValue());
            assertTrue(r.getValue().contains("PatternSyntaxException") && r.getValue().contains("Unclosed group"), r.getValue());
        }
    }

    private static JsonNode parse(String body) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The key a broken copy gets an unparseable regex in: the config's own regex-valued key, by connector kind. */
    static Map.Entry<String, String> badRegex(Map<String, String> config) {
        for (String key : List.of("replication.policy.topic.mappings", "transforms.headers.league.topic.regex")) {
            if (config.containsKey(key)) {
                String value = key.equals("replication.policy.topic.mappings")
                        ? "vendor\\.raw\\.events\\.(.+ => raw.events.$1" : "raw\\.events\\.(.+";
                return Map.entry(key, value);
            }
        }
        // A connector without a regex key of its own that Connect validates per key (topics.regex is not: see
        // badTopicsRegex): the stock predicate that takes one.
        return Map.entry("predicates.onlyRaw.pattern", "raw\\.events\\.(.+");
    }

    private static Map<String, String> with(Map<String, String> config, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(config);
        m.put(key, value);
        if (key.startsWith("predicates.onlyRaw.")) {
            m.put("predicates", "onlyRaw");
            m.put("predicates.onlyRaw.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        }
        return m;
    }

    /** A key the connector requires (no default) that the config sets; {@code name} if the connector requires nothing else. */
    private static String requiredKey(ConnectRest rest, Map<String, String> config) {
        JsonNode v = rest.validate(config);
        List<String> required = new ArrayList<>();
        for (JsonNode c : v.path("configs")) {
            JsonNode d = c.path("definition");
            String name = d.path("name").asText();
            if (d.path("required").asBoolean() && config.containsKey(name) && !name.equals("connector.class") && !name.equals("name")) {
                required.add(name);
            }
        }
        return required.isEmpty() ? "name" : required.get(0);
    }

    private static void expectErrorOn(ConnectRest rest, String connector, Map<String, String> broken, String key) {
        JsonNode v = rest.validate(broken);
        List<String> errors = ConnectRest.errors(v);
        System.out.printf("broken %s [%s]: %s%n", connector, key, errors);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(key + ": ")), connector + ": expected an error on " + key + ", got " + errors);
    }
}
