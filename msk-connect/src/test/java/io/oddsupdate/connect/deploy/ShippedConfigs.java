package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * The connector configs exactly as the build renders them ({@code msk-connect/target/deploy/<env>/}), which is what
 * users apply: the tests never re-render them.
 */
final class ShippedConfigs {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FILE_REF = Pattern.compile("\\$\\{file:([^:}]+):([^}]+)}");

    private ShippedConfigs() {
    }

    static Path dir(String env) {
        Path d = PluginPath.projectRoot().resolve("msk-connect/target/deploy").resolve(env);
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException(d + " is missing: the build renders it in process-classes (mvn verify)");
        }
        return d;
    }

    /** Connector name → effective config, for every connector rendered for {@code env}. */
    static Map<String, Map<String, String>> connectors(String env) {
        return read(dir(env).resolve("connectors"));
    }

    /** The configs connectors.json holds back (not shipped) until a worker validates them. */
    static Map<String, Map<String, String>> heldBack(String env) {
        Path d = dir(env).resolve("held-back");
        return Files.isDirectory(d) ? read(d) : Map.of();
    }

    private static Map<String, Map<String, String>> read(Path dir) {
        Map<String, Map<String, String>> all = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                all.put(f.getFileName().toString().replace(".json", ""),
                        JSON.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, String>>() { }));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** A JSON file the build rendered for {@code env}, e.g. {@code msk/upgrade-plan.json}. */
    static com.fasterxml.jackson.databind.JsonNode json(String env, String relative) {
        try {
            return JSON.readTree(dir(env).resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The worker settings the environment's configs rely on (config providers...). */
    static Map<String, String> workerProperties(String env) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir(env).resolve("worker.properties"), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /**
     * Writes every {@code ${file:<path>:<key>}} the configs reference, with a test value per key, so the worker's
     * FileConfigProvider resolves them for real (as a developer's local secrets file would). Returns the files written.
     */
    static List<Path> materialiseFileSecrets(Map<String, Map<String, String>> configs) {
        Map<String, Properties> files = new TreeMap<>();
        configs.values().forEach(c -> c.values().forEach(v -> {
            Matcher m = FILE_REF.matcher(v);
            while (m.find()) {
                files.computeIfAbsent(m.group(1), f -> new Properties()).setProperty(m.group(2), "test-" + m.group(2).replace('.', '-'));
            }
        }));
        try {
            for (Map.Entry<String, Properties> f : files.entrySet()) {
                Path p = Path.of(f.getKey());
                Files.createDirectories(p.getParent());
                try (var out = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
                    f.getValue().store(out, "test values written by msk-connect's validation tests");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files.keySet().stream().map(Path::of).toList();
    }
}
