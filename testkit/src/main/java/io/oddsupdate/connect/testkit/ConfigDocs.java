package io.oddsupdate.connect.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.apache.kafka.common.config.ConfigDef;

/**
 * Config reference docs generated from each plugin's {@link ConfigDef}, so the docs are never written twice by hand.
 *
 * <p>Each module has a unit test calling {@link #check}: it fails when the committed Markdown under
 * {@code docs/config/} is stale, and rewrites it when run with {@code -Doddsupdate.docs.update=true}:
 * <pre>mvn -pl smt test -Doddsupdate.docs.update=true</pre>
 */
public final class ConfigDocs {

    public static final String UPDATE_PROPERTY = "oddsupdate.docs.update";

    private ConfigDocs() {
    }

    /** A Markdown section: heading, overview, and one table row per config key in definition order. */
    public static String markdown(String pluginClass, String overview, ConfigDef def) {
        StringBuilder md = new StringBuilder();
        md.append("### `").append(pluginClass).append("`\n\n");
        if (overview != null && !overview.isBlank()) {
            md.append(overview.strip()).append("\n\n");
        }
        md.append("| key | type | default | valid values | importance | description |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            md.append("| `").append(key.name).append("` | ")
              .append(key.type.name().toLowerCase(Locale.ROOT)).append(" | ")
              .append(defaultValue(key)).append(" | ")
              .append(cell(key.validator == null ? "" : key.validator.toString())).append(" | ")
              .append(key.importance.name().toLowerCase(Locale.ROOT)).append(" | ")
              .append(cell(key.documentation)).append(" |\n");
        }
        return md.toString();
    }

    private static String defaultValue(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        if (key.defaultValue == null) {
            return "null";
        }
        if (key.type == ConfigDef.Type.PASSWORD) {
            return "[hidden]";
        }
        String s = ConfigDef.convertToString(key.defaultValue, key.type);
        return s.isEmpty() ? "\"\"" : "`" + s.replace("|", "\\|") + "`";
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\r", "").replace("\n", " ");
    }

    /**
     * Compares {@code generated} with the committed file at {@code <project root>/relativePath}; with
     * {@code -Doddsupdate.docs.update=true} writes it instead.
     */
    public static void check(String relativePath, String generated) {
        Path file = PluginPath.projectRoot().resolve(relativePath);
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, generated, StandardCharsets.UTF_8);
                return;
            }
            String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            assertEquals(committed, generated, relativePath + " is stale: regenerate it with -D" + UPDATE_PROPERTY + "=true");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
