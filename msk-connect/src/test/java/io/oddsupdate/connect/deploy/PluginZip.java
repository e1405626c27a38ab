package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * One packaged MSK Connect custom plugin, unpacked the way a worker sees it: {@code <dir>/manifest.json} and
 * {@code <dir>/lib/*.jar}. Knows the plugin classes it ships (found by loading our jars' classes, not by trusting the
 * {@code META-INF/services} manifests) and the manifests it declares, so tests can compare the two.
 */
final class PluginZip {

    /** Plugin interfaces a worker (or MirrorMaker, for the policy) instantiates by class name, with Confluent Hub component type. */
    static final Map<String, String> PLUGIN_INTERFACES = Map.of(
            "org.apache.kafka.connect.source.SourceConnector", "source",
            "org.apache.kafka.connect.sink.SinkConnector", "sink",
            "org.apache.kafka.connect.transforms.Transformation", "transform",
            "org.apache.kafka.connect.transforms.predicates.Predicate", "transform",
            "org.apache.kafka.connect.storage.Converter", "converter",
            "org.apache.kafka.connect.storage.HeaderConverter", "converter",
            "org.apache.kafka.common.config.provider.ConfigProvider", "",
            "org.apache.kafka.connect.rest.ConnectRestExtension", "",
            "org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy", "",
            "org.apache.kafka.connect.mirror.ReplicationPolicy", "");

    /** Jars the Connect runtime already has (Kafka, Connect, Jackson, SLF4J and logging bindings): a plugin never ships them. */
    static final Pattern RUNTIME_JAR = Pattern.compile(
            "(kafka[-_].*|connect-(api|runtime|json|transforms|basic-auth-extension|file)-.*"
                    + "|jackson-(core|databind|annotations)-.*|slf4j-.*|log4j-.*|reload4j-.*|logback-.*)\\.jar");

    /**
     * The one exception: MirrorMaker's own jars, which mirror-policies ships so that MirrorSourceConnector is loaded by
     * the plugin class loader that can see the replication policy (see mirror-policies/pom.xml). They must be exactly
     * the runtime's version, or the plugin would run a different MirrorMaker than the worker it was tested on.
     */
    static final Pattern MIRROR_JAR = Pattern.compile("connect-mirror(-client)?-(.+)\\.jar");

    /** The same, by package, so a shaded or uber jar that repackages them is caught too. */
    static final List<String> RUNTIME_PACKAGES = List.of(
            "org/apache/kafka/", "org/slf4j/", "com/fasterxml/jackson/core/", "com/fasterxml/jackson/databind/",
            "com/fasterxml/jackson/annotation/", "org/apache/log4j/");

    /** Our own artifacts: the only jars whose classes are scanned for plugins. */
    static final String OUR_JAR_PREFIX = "odds-update-";

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path zip;
    final Path dir;

    private PluginZip(Path zip, Path dir) {
        this.zip = zip;
        this.dir = dir;
    }

    /** Unpacks {@code zip} (exactly one top-level directory) into a fresh temporary directory. */
    static PluginZip unpack(Path zip) {
        Path root = PluginPath.fromZips(List.of(zip));
        try (Stream<Path> top = Files.list(root)) {
            List<Path> dirs = top.toList();
            if (dirs.size() != 1 || !Files.isDirectory(dirs.get(0))) {
                throw new AssertionError(zip.getFileName() + ": expected one top-level plugin directory, found " + dirs);
            }
            return new PluginZip(zip, dirs.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return zip.getFileName().toString();
    }

    long sizeBytes() {
        try {
            return Files.size(zip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode manifest() {
        try {
            return JSON.readTree(dir.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new AssertionError(name() + ": no readable manifest.json", e);
        }
    }

    List<Path> jars() {
        try (Stream<Path> s = Files.list(dir.resolve("lib"))) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Class file name → the jars holding it, for every class in every jar of the plugin. */
    Map<String, List<String>> classOwners() {
        return classOwners(false);
    }

    /** Class file name → the jars holding it, keeping only classes present in two jars with different bytes. */
    Map<String, List<String>> conflictingClasses() {
        return classOwners(true);
    }

    private Map<String, List<String>> classOwners(boolean conflictsOnly) {
        Map<String, List<String>> owners = new TreeMap<>();
        Map<String, Set<Long>> crcs = new TreeMap<>();
        for (Path jar : jars()) {
            forEachEntry(jar, e -> {
                String n = e.getName();
                if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class")) {
                    owners.computeIfAbsent(n, k -> new ArrayList<>()).add(jar.getFileName().toString());
                    crcs.computeIfAbsent(n, k -> new TreeSet<>()).add(e.getCrc());
                }
            });
        }
        if (conflictsOnly) {
            owners.keySet().removeIf(n -> crcs.get(n).size() < 2);
        }
        return owners;
    }

    /**
     * AWS MSK developer guide, "Create custom plugins": a custom plugin is a ZIP of JAR files (or one JAR). Ours is one
     * directory holding {@code lib/*.jar} and {@code manifest.json}, nothing else (no nested ZIP, no loose classes).
     */
    List<String> zipShapeProblems() {
        List<String> problems = new ArrayList<>();
        if (jars().isEmpty()) {
            problems.add("no jar under lib/");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("manifest.json") && !(p.startsWith("lib/") && p.endsWith(".jar") && p.indexOf('/', 4) < 0))
                    .forEach(p -> problems.add(p + " is neither manifest.json nor lib/<jar>"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return problems;
    }

    /** Jar file names in lib/ of artifacts the worker provides. */
    List<String> workerProvidedJars() {
        return jars().stream().map(p -> p.getFileName().toString()).filter(n -> RUNTIME_JAR.matcher(n).matches()).toList();
    }

    /** connect-mirror(-client) jars whose version is not {@code kafkaVersion}. */
    List<String> mirrorJarsOfAnotherVersion(String kafkaVersion) {
        List<String> wrong = new ArrayList<>();
        for (Path jar : jars()) {
            java.util.regex.Matcher m = MIRROR_JAR.matcher(jar.getFileName().toString());
            if (m.matches() && !m.group(2).equals(kafkaVersion)) {
                wrong.add(jar.getFileName().toString());
            }
        }
        return wrong;
    }

    /** Up to 10 classes of the worker's packages in any jar (MirrorMaker's own jars excepted), with their jars. */
    List<String> workerProvidedClasses() {
        return classOwners().entrySet().stream()
                .filter(e -> RUNTIME_PACKAGES.stream().anyMatch(e.getKey()::startsWith))
                .filter(e -> !(e.getKey().startsWith("org/apache/kafka/connect/mirror/")
                        && e.getValue().stream().allMatch(j -> MIRROR_JAR.matcher(j).matches())))
                .map(e -> e.getKey() + " in " + e.getValue()).limit(10).toList();
    }

    /** Jars of one artifact in two versions (e.g. two AWS SDK releases), by file name. */
    List<String> artifactsInTwoVersions() {
        Set<String> artifacts = new java.util.HashSet<>();
        List<String> twice = new ArrayList<>();
        for (Path p : jars()) {
            String jar = p.getFileName().toString();
            if (!artifacts.add(jar.replaceFirst("-\\d[^-]*(-[A-Za-z][^-]*)*\\.jar$", ""))) {
                twice.add(jar);
            }
        }
        return twice;
    }

    /** Plugin interface → class names listed in {@code META-INF/services/<interface>}, over all jars. */
    Map<String, Set<String>> serviceEntries() {
        Map<String, Set<String>> entries = new TreeMap<>();
        for (Path jar : jars()) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                for (String iface : PLUGIN_INTERFACES.keySet()) {
                    JarEntry e = jf.getJarEntry("META-INF/services/" + iface);
                    if (e == null) {
                        continue;
                    }
                    try (InputStream in = jf.getInputStream(e)) {
                        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                            String cls = line.replaceAll("#.*", "").strip();
                            if (!cls.isEmpty()) {
                                entries.computeIfAbsent(iface, k -> new TreeSet<>()).add(cls);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
    }

    /**
     * Plugin interface → the concrete public classes with a public no-arg constructor in our jars that implement it:
     * what a worker (or MirrorMaker) could be asked to instantiate by name. Loaded with the plugin's jars over this
     * test's class path (which has the Connect runtime), the way a worker's plugin class loader sees them; a class that
     * does not link here would not link in a worker either, so it fails the scan.
     */
    Map<String, Set<String>> pluginClasses() {
        Map<String, Set<String>> found = new TreeMap<>();
        List<String> unlinkable = new ArrayList<>();
        try (URLClassLoader loader = classLoader()) {
            List<Class<?>> ifaces = new ArrayList<>();
            for (String iface : PLUGIN_INTERFACES.keySet()) {
                ifaces.add(Class.forName(iface, false, PluginZip.class.getClassLoader()));
            }
            for (Path jar : jars()) {
                if (!jar.getFileName().toString().startsWith(OUR_JAR_PREFIX)) {
                    continue;
                }
                forEachEntry(jar, e -> {
                    String n = e.getName();
                    if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.endsWith("module-info.class") || n.endsWith("package-info.class")) {
                        return;
                    }
                    String cls = n.substring(0, n.length() - ".class".length()).replace('/', '.');
                    try {
                        Class<?> c = Class.forName(cls, false, loader);
                        if (!isInstantiablePlugin(c)) {
                            return;
                        }
                        for (Class<?> iface : ifaces) {
                            if (iface.isAssignableFrom(c)) {
                                found.computeIfAbsent(iface.getName(), k -> new TreeSet<>()).add(cls);
                            }
                        }
                    } catch (ClassNotFoundException | LinkageError err) {
                        unlinkable.add(cls + " (" + err + ")");
                    }
                });
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError(e);
        }
        if (!unlinkable.isEmpty()) {
            throw new AssertionError(name() + ": classes that do not link against this ZIP plus the Connect runtime "
                    + "(a dependency missing from lib/?): " + unlinkable);
        }
        return found;
    }

    /**
     * Classes our jars' code refers to (the class file's constant pool) that neither the ZIP nor the Connect runtime
     * has: each one is a {@code NoClassDefFoundError} waiting for the code path that reaches it, which loading the
     * plugin class alone does not reveal. Referring class → missing classes.
     */
    Map<String, Set<String>> unresolvedReferences() {
        Map<String, Set<String>> missing = new TreeMap<>();
        try (URLClassLoader loader = classLoader()) {
            Map<String, Boolean> known = new java.util.HashMap<>();
            for (Path jar : jars()) {
                if (!jar.getFileName().toString().startsWith(OUR_JAR_PREFIX)) {
                    continue;
                }
                try (JarFile jf = new JarFile(jar.toFile())) {
                    for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
                        JarEntry e = en.nextElement();
                        if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
                            continue;
                        }
                        byte[] bytes;
                        try (InputStream in = jf.getInputStream(e)) {
                            bytes = in.readAllBytes();
                        }
                        for (String ref : classReferences(bytes)) {
                            boolean found = known.computeIfAbsent(ref, r -> {
                                try {
                                    Class.forName(r, false, loader);
                                    return true;
                                } catch (ClassNotFoundException | LinkageError err) {
                                    return false;
                                }
                            });
                            if (!found) {
                                missing.computeIfAbsent(e.getName().replace(".class", "").replace('/', '.'), k -> new TreeSet<>()).add(ref);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return missing;
    }

    /** The class names a class file's constant pool refers to (CONSTANT_Class entries), arrays unwrapped, JDK classes left out. */
    static Set<String> classReferences(byte[] classFile) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(classFile);
        b.position(8); // magic, minor, major
        int count = b.getShort() & 0xffff;
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = b.get() & 0xff;
            switch (tag) {
                case 1 -> {
                    byte[] s = new byte[b.getShort() & 0xffff];
                    b.get(s);
                    utf8[i] = new String(s, StandardCharsets.UTF_8); // modified UTF-8; fine for class names
                }
                case 7 -> classNameIndex[i] = b.getShort() & 0xffff;
                case 8, 16, 19, 20 -> b.position(b.position() + 2);
                case 15 -> b.position(b.position() + 3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> b.position(b.position() + 4);
                case 5, 6 -> {
                    b.position(b.position() + 8);
                    i++; // takes two slots
                }
                default -> throw new IllegalArgumentException("unknown constant pool tag " + tag);
            }
        }
        Set<String> refs = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0) {
                String n = utf8[classNameIndex[i]].replaceFirst("^\\[+L?", "").replaceFirst(";$", "");
                if (n.length() > 1 && !n.startsWith("java/") && !n.startsWith("javax/") && !n.startsWith("jdk/") && !n.startsWith("sun/")) {
                    refs.add(n.replace('/', '.'));
                }
            }
        }
        return refs;
    }

    private static boolean isInstantiablePlugin(Class<?> c) {
        int m = c.getModifiers();
        if (c.isInterface() || Modifier.isAbstract(m) || !Modifier.isPublic(m)
                || (c.getEnclosingClass() != null && !Modifier.isStatic(m))) {
            return false;
        }
        try {
            return Modifier.isPublic(c.getConstructor().getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    URLClassLoader classLoader() {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars()) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new URLClassLoader(name(), urls.toArray(URL[]::new), PluginZip.class.getClassLoader());
    }

    private interface EntryVisitor {
        void visit(JarEntry e);
    }

    private static void forEachEntry(Path jar, EntryVisitor visitor) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
                visitor.visit(en.nextElement());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(jar.toString(), e);
        }
    }
}
