package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * A connector config exactly as {@code connector-configs/} ships it: the base, patched by overlays in order (JSON merge
 * patch: null removes a key), {@code {{vars}}} replaced. Tests run what users deploy, changing only what the test
 * environment must ({@link #patch}) and where secrets come from ({@link #secretsFromFiles}).
 */
final class ShippedConfig {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VAR = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}");
    private static final Pattern SECRETS_MANAGER = Pattern.compile("\\$\\{secretsmanager:([^:}]+):([^}]+)}");

    private ShippedConfig() {
    }

    /** {@code base/<connector>.json} patched by {@code overlays/<overlay>/<connector>.json} (where present), vars rendered. */
    static Map<String, String> effective(String connector, List<String> overlays, Map<String, String> vars) {
        Path root = PluginPath.projectRoot().resolve("connector-configs");
        ObjectNode config = (ObjectNode) read(root.resolve("base").resolve(connector + ".json"));
        for (String overlay : overlays) {
            Path patch = root.resolve("overlays").resolve(overlay).resolve(connector + ".json");
            if (Files.exists(patch)) {
                mergePatch(config, read(patch));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        config.fields().forEachRemaining(e -> out.put(e.getKey(), render(e.getValue().asText(), vars, connector + " " + e.getKey())));
        return out;
    }

    /** Applies {@code changes} to {@code config}: a null value removes the key. */
    static Map<String, String> patch(Map<String, String> config, Map<String, String> changes) {
        changes.forEach((k, v) -> {
            if (v == null) {
                config.remove(k);
            } else {
                config.put(k, v);
            }
        });
        return config;
    }

    /**
     * Points every {@code ${secretsmanager:<id>:<key>}} at {@code ${file:<dir>/<id>.properties:<key>}}, for a worker with
     * Kafka's FileConfigProvider as {@code file}: the connector gets its secrets the way it does on MSK Connect, through a
     * config provider, never inline.
     */
    static Map<String, String> secretsFromFiles(Map<String, String> config, Path dir) {
        config.replaceAll((k, v) -> {
            Matcher m = SECRETS_MANAGER.matcher(v);
            return m.replaceAll(r -> Matcher.quoteReplacement("${file:" + dir.resolve(r.group(1) + ".properties") + ":" + r.group(2) + "}"));
        });
        return config;
    }

    private static String render(String text, Map<String, String> vars, String where) {
        Matcher m = VAR.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = vars.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException(where + ": no value for {{" + m.group(1) + "}}");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        return m.appendTail(sb).toString();
    }

    private static void mergePatch(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                target.remove(e.getKey());
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
