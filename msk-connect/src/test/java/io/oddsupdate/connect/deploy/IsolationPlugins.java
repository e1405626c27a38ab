package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Two tiny plugins built at test time, each shipping its own version of one shared library ({@code iso.shared.Lib}
 * 1.0 and 2.0, with a method only 2.0 has). Each plugin's transform reports the library version it sees as its plugin
 * version and as the default of its {@code shared.lib.version} config key, so a worker's REST API shows whether the two
 * stayed isolated.
 */
final class IsolationPlugins {

    static final String A = "iso.a.SharedLibVersionA";
    static final String B = "iso.b.SharedLibVersionB";

    private IsolationPlugins() {
    }

    /** Writes plugin directories {@code iso-a/lib} (library 1.0) and {@code iso-b/lib} (library 2.0) under {@code pluginPath}. */
    static void writeInto(Path pluginPath) {
        try {
            Path work = Files.createTempDirectory("iso-build-");
            Path lib1 = jar(work, "iso-shared-lib-1.0", Map.of("iso/shared/Lib.java", lib("1.0", "")), List.of(), null);
            Path lib2 = jar(work, "iso-shared-lib-2.0", Map.of("iso/shared/Lib.java",
                    lib("2.0", "public static String onlyIn2() { return \"2.0\"; }")), List.of(), null);
            plugin(pluginPath.resolve("iso-a"), work, lib1, A, "Lib.version()");
            plugin(pluginPath.resolve("iso-b"), work, lib2, B, "Lib.onlyIn2()");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lib(String version, String extra) {
        return "package iso.shared; public final class Lib { public static String version() { return \"" + version + "\"; } " + extra + " }";
    }

    private static void plugin(Path dir, Path work, Path sharedLib, String cls, String versionExpr) throws IOException {
        String pkg = cls.substring(0, cls.lastIndexOf('.'));
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        String src = "package " + pkg + ";\n"
                + "import java.util.Map; import iso.shared.Lib;\n"
                + "import org.apache.kafka.common.config.ConfigDef; import org.apache.kafka.connect.connector.ConnectRecord;\n"
                + "import org.apache.kafka.connect.components.Versioned; import org.apache.kafka.connect.transforms.Transformation;\n"
                + "public class " + simple + "<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {\n"
                + "  public String version() { return " + versionExpr + "; }\n"
                + "  public ConfigDef config() { return new ConfigDef().define(\"shared.lib.version\", ConfigDef.Type.STRING, "
                + versionExpr + ", ConfigDef.Importance.LOW, \"the shared library version this plugin sees\"); }\n"
                + "  public void configure(Map<String, ?> configs) { }\n"
                + "  public R apply(R record) { return record; }\n"
                + "  public void close() { }\n"
                + "}\n";
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.copy(sharedLib, lib.resolve(sharedLib.getFileName()));
        jar(lib, dir.getFileName().toString(), Map.of(cls.replace('.', '/') + ".java", src), List.of(sharedLib),
                Map.entry("META-INF/services/org.apache.kafka.connect.transforms.Transformation", cls + "\n"));
    }

    /** Compiles {@code sources} against the Connect API (+ {@code extraClassPath}) into {@code <dir>/<name>.jar}. */
    private static Path jar(Path dir, String name, Map<String, String> sources, List<Path> extraClassPath,
                            Map.Entry<String, String> resource) throws IOException {
        Path src = Files.createTempDirectory("iso-src-");
        Path classes = Files.createTempDirectory("iso-classes-");
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17", "-nowarn", "-cp", classPath(extraClassPath)));
        for (Map.Entry<String, String> s : sources.entrySet()) {
            Path f = src.resolve(s.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, s.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac.run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new AssertionError("cannot compile test plugin " + name);
        }
        Path jar = dir.resolve(name + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jos.write(Files.readAllBytes(f));
                jos.closeEntry();
            }
            if (resource != null) {
                jos.putNextEntry(new JarEntry(resource.getKey()));
                jos.write(resource.getValue().getBytes(StandardCharsets.UTF_8));
                jos.closeEntry();
            }
        }
        return jar;
    }

    /** The jars of the Connect API on this test's class path (failsafe hides the class path behind a manifest jar). */
    private static String classPath(List<Path> extra) {
        List<String> cp = new ArrayList<>();
        for (Class<?> c : List.of(org.apache.kafka.connect.transforms.Transformation.class,
                org.apache.kafka.common.config.ConfigDef.class)) {
            try {
                cp.add(Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        extra.forEach(p -> cp.add(p.toString()));
        return String.join(java.io.File.pathSeparator, cp);
    }
}
