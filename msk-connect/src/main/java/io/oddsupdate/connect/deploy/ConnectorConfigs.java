package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one source of every connector config: {@code connector-configs/}.
 * <pre>
 *   base/&lt;connector&gt;.json             Connect REST config (PUT /connectors/{name}/config), shared by every environment
 *   overlays/&lt;overlay&gt;/&lt;connector&gt;.json  JSON merge patch (RFC 7386: null removes a key) over the base
 *   environments/&lt;env&gt;.json            overlays to apply in order, {{vars}} the configs use, worker settings, MSK facts
 *   connectors.json                    per connector: MSK cluster, capacity, the Kafka topics/groups its IAM role needs
 * </pre>
 * In {@code connectors.json}, per connector: {@code cluster} (the MSK cluster its workers join), {@code capacity}
 * ({@code provisioned} workerCount/mcuCount, or {@code autoscaling}; see {@link Capacity}), {@code kafka} (per cluster:
 * the topics it may {@code read}, {@code write} and {@code create}, and its consumer {@code groups}), {@code upstream}
 * (connectors it reads from outside Kafka, for the upgrade order; see {@link DataFlow}) and {@code heldBack}.
 * An effective config is the base, patched by the environment's overlays in order, with every {@code {{var}}} replaced
 * by the environment's value. Config provider references ({@code ${provider:path:key}}) are left for the worker.
 *
 * <p>Public for the one other reader, the local pipeline and end-to-end tests ({@code tests/}): they render the
 * {@code local} environment with the addresses of the servers they started in place of its vars
 * ({@link #effective(String, String, Map)}), so what they run is what users apply.
 */
public final class ConnectorConfigs {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VAR = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}");

    final Path root;
    final JsonNode connectors;

    public ConnectorConfigs(Path root) {
        this.root = root;
        this.connectors = read(root.resolve("connectors.json"));
        TreeSet<String> bases = new TreeSet<>(names(root.resolve("base")));
        TreeSet<String> described = new TreeSet<>();
        connectors.fieldNames().forEachRemaining(described::add);
        if (!bases.equals(described)) {
            throw new IllegalArgumentException("connector-configs/base/*.json " + bases + " and connectors.json " + described
                    + " must name the same connectors");
        }
    }

    /** Every connector of {@code base/}, by name. */
    public List<String> connectorNames() {
        return new ArrayList<>(new TreeSet<>(names(root.resolve("base"))));
    }

    /** The connector's entry of {@code connectors.json} (its {@code cluster} and {@code kafka} grants); fails naming it if absent. */
    public JsonNode access(String connector) {
        JsonNode a = connectors.path(connector);
        if (a.isMissingNode()) {
            throw new IllegalArgumentException("connectors.json has no connector '" + connector + "'");
        }
        return a;
    }

    List<String> environments() {
        return names(root.resolve("environments"));
    }

    JsonNode environment(String env) {
        JsonNode e = read(root.resolve("environments").resolve(env + ".json"));
        for (JsonNode overlay : e.path("overlays")) {
            Path dir = root.resolve("overlays").resolve(overlay.asText());
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("environment " + env + " names overlay " + overlay + " but " + dir + " does not exist");
            }
            for (String name : names(dir)) {
                if (!connectors.has(name)) {
                    throw new IllegalArgumentException(dir.resolve(name + ".json") + " patches no connector (no base/" + name + ".json)");
                }
            }
        }
        return e;
    }

    /** The effective Connect REST config of {@code connector} in {@code env}, keys in base-then-overlay order. */
    Map<String, String> effective(String connector, String env) {
        return effective(connector, env, Map.of());
    }

    /**
     * The same with some of the environment's vars replaced ({@code varOverrides}: var name → value), e.g. the
     * addresses of servers started on free ports. Overriding a var the environment does not define is an error.
     */
    public Map<String, String> effective(String connector, String env, Map<String, String> varOverrides) {
        JsonNode e = environment(env);
        JsonNode vars = vars(e, env, varOverrides);
        ObjectNode config = (ObjectNode) read(root.resolve("base").resolve(connector + ".json"));
        for (JsonNode overlay : e.path("overlays")) {
            Path patch = root.resolve("overlays").resolve(overlay.asText()).resolve(connector + ".json");
            if (Files.exists(patch)) {
                mergePatch(config, read(patch));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        // PUT /connectors/{name}/config and the validate endpoint both accept the name; MSK Connect ignores it.
        out.put("name", connector);
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("name")) {
                throw new IllegalArgumentException(connector + ": the connector's name is its file name; remove \"name\"");
            }
            if (!f.getValue().isTextual()) {
                throw new IllegalArgumentException(connector + ": " + f.getKey() + " must be a JSON string (Connect configs are strings)");
            }
            out.put(f.getKey(), render(f.getValue().asText(), vars, connector + " (" + env + ") " + f.getKey()));
        }
        return out;
    }

    /** The worker settings the environment's configs rely on (its "worker" section, vars rendered as above). */
    public Map<String, String> worker(String env, Map<String, String> varOverrides) {
        JsonNode e = environment(env);
        JsonNode vars = vars(e, env, varOverrides);
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("worker").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            out.put(f.getKey(), render(f.getValue().asText(), vars, env + " worker " + f.getKey()));
        }
        return out;
    }

    private static JsonNode vars(JsonNode environment, String env, Map<String, String> overrides) {
        ObjectNode vars = environment.path("vars").isObject() ? (ObjectNode) environment.get("vars").deepCopy() : JSON.createObjectNode();
        overrides.forEach((name, value) -> {
            if (!vars.has(name)) {
                TreeSet<String> known = new TreeSet<>();
                vars.fieldNames().forEachRemaining(known::add);
                throw new IllegalArgumentException("environment " + env + " has no var " + name + " to override; its vars: " + known);
            }
            vars.put(name, value);
        });
        return vars;
    }

    /** Replaces every {@code {{var}}} in {@code text} with the environment's value; an unknown var is an error. */
    static String render(String text, JsonNode vars, String where) {
        Matcher m = VAR.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            JsonNode v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException(where + ": {{" + m.group(1) + "}} is not a var of this environment");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v.asText()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** RFC 7386 JSON merge patch, in place: objects merge, null removes, anything else replaces. */
    static void mergePatch(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else if (f.getValue().isObject() && target.path(f.getKey()).isObject()) {
                mergePatch((ObjectNode) target.get(f.getKey()), f.getValue());
            } else {
                target.set(f.getKey(), f.getValue().deepCopy());
            }
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
