package io.oddsupdate.connect.common.glue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.avro.Schema;

/**
 * The repository's Avro schemas as shipped on every plugin's class path: {@code schemas/<name>/vN.avsc} plus
 * {@code schemas/<name>/compatibility} (the registry mode the schema lives under: BACKWARD, FULL, ...).
 *
 * <p>A schema is named {@code <name>/vN}, e.g. {@code raw-event/v1}. Its local version id is a name-based UUID of
 * that name, so every task and every machine computes the same id without a registry.
 */
public final class RepoSchemas {

    private static final Pattern FILE = Pattern.compile("schemas/([A-Za-z0-9._-]+)/v([0-9]+)\\.avsc");

    /** One released version of a repo schema. */
    public record Version(String name, int version, Schema schema, UUID localVersionId) {
        public String ref() {
            return name + "/v" + version;
        }
    }

    /** The class path's schemas, read once when first asked for (they are part of the plugin, like its classes). */
    private static final class OnClassPath {
        static final Map<String, List<Version>> ALL = load();
    }

    private RepoSchemas() {
    }

    /** Every schema on the class path, by name, versions in ascending order. */
    public static Map<String, List<Version>> all() {
        return OnClassPath.ALL;
    }

    /** A schema by reference {@code <name>/vN} (e.g. {@code odds-update-public/v1}); fails naming what exists. */
    public static Version get(String ref) {
        Objects.requireNonNull(ref, "ref");
        int slash = ref.lastIndexOf("/v");
        List<Version> versions = slash < 0 ? null : all().get(ref.substring(0, slash));
        if (versions != null) {
            for (Version v : versions) {
                if (v.ref().equals(ref)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("no repo schema '" + ref + "' (expected <name>/vN, one of " + refs() + ")");
    }

    /** The registry compatibility mode of a schema name ({@code schemas/<name>/compatibility}), BACKWARD if absent. */
    public static String compatibility(String name) {
        try (InputStream in = RepoSchemas.class.getClassLoader().getResourceAsStream("schemas/" + name + "/compatibility")) {
            return in == null ? "BACKWARD" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static UUID localVersionId(String name, int version) {
        return UUID.nameUUIDFromBytes(("odds-update:schemas/" + name + "/v" + version).getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> refs() {
        List<String> refs = new ArrayList<>();
        all().values().forEach(vs -> vs.forEach(v -> refs.add(v.ref())));
        return refs;
    }

    private static Map<String, List<Version>> load() {
        Map<String, List<Version>> byName = new TreeMap<>();
        for (String resource : resources()) {
            Matcher m = FILE.matcher(resource);
            if (!m.matches()) {
                continue;
            }
            String name = m.group(1);
            int version = Integer.parseInt(m.group(2));
            Schema schema;
            try (InputStream in = RepoSchemas.class.getClassLoader().getResourceAsStream(resource)) {
                schema = new Schema.Parser().parse(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
            byName.computeIfAbsent(name, n -> new ArrayList<>()).add(new Version(name, version, schema, localVersionId(name, version)));
        }
        byName.values().forEach(vs -> vs.sort((a, b) -> Integer.compare(a.version(), b.version())));
        byName.replaceAll((n, vs) -> List.copyOf(vs));
        return Collections.unmodifiableMap(byName);
    }

    /** Resource names under {@code schemas/}, from directories and jars alike (a plugin sees our jar only). */
    private static List<String> resources() {
        List<String> names = new ArrayList<>();
        try {
            Enumeration<URL> roots = RepoSchemas.class.getClassLoader().getResources("schemas/");
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                if ("jar".equals(root.getProtocol())) {
                    JarURLConnection c = (JarURLConnection) root.openConnection();
                    c.setUseCaches(false);
                    try (JarFile jar = c.getJarFile()) {
                        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                            names.add(e.nextElement().getName());
                        }
                    }
                } else if ("file".equals(root.getProtocol())) {
                    Path dir = Paths.get(root.toURI());
                    try (Stream<Path> walk = Files.walk(dir)) {
                        walk.filter(Files::isRegularFile)
                            .forEach(p -> names.add("schemas/" + dir.relativize(p).toString().replace('\\', '/')));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list schemas/ on the class path", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }
}
