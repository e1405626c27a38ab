package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.connect.mirror.MirrorCheckpointConnector;
import org.apache.kafka.connect.mirror.MirrorHeartbeatConnector;
import org.apache.kafka.connect.mirror.MirrorSourceConnector;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Keeps {@code README.md} and {@code docs/**}{@code /*.md} true to the code, as part of {@code mvn -B verify}:
 * <ul>
 *   <li>relative links and images resolve inside the repository, and their {@code #anchor} names a heading of the target
 *       page; every page under {@code docs/} is linked from somewhere;</li>
 *   <li>class names in backticks (and in code blocks) that look like ours exist: {@code io.oddsupdate.…} names as a class
 *       or a member of one, a package or an Avro record of {@code schemas/}; simple names ending in Test/IT/Bench or
 *       starting like our plugins' names as a class of some module, with any {@code .member} present in its source;</li>
 *   <li>config keys of our plugins exist in the generated references {@code docs/config/*.md}: every key of every JSON
 *       example against the reference of its connector, transform or converter and Connect's own settings; in the text,
 *       dotted keys in the namespaces only our plugins use;</li>
 *   <li>JSON examples parse; repository paths in backticks exist; no history (issue numbers, commit hashes).</li>
 * </ul>
 * Each test lists every problem it finds, as {@code file:line: what}, so one run shows them all.
 *
 * <p>Run it alone: {@code mvn -B -q -pl tests -am test -DskipITs -Dtest=DocsCheckTest -Dsurefire.failIfNoSpecifiedTests=false}
 */
class DocsCheckTest {

    private static final Path ROOT = PluginPath.projectRoot().toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Simple names that must be a class of ours: test suites ({@code …Test}, {@code …IT}, {@code …Bench}) and names that
     * start like our plugin classes. A typo or a rename must not pass as someone else's class.
     */
    private static final Pattern OURS_LOOKING = Pattern.compile(
            "[A-Z][a-z0-9]\\w*(?:Test|IT|Bench)|(?:Odds|TopicMapping|S3Parquet|GlueAvro)\\w+");
    /**
     * First segments of our plugins' config keys that Kafka, Connect or MirrorMaker keys share ({@code key.converter},
     * {@code max.request.size}, {@code topic.creation.*}, {@code source.cluster.*}, ...): a dotted name in the text with
     * one of these is not necessarily ours, so only JSON examples check them (against the connector's full key set).
     */
    private static final Set<String> SHARED_NAMESPACES = Set.of("key", "value", "header", "max", "schema", "topic", "batch",
            "poll", "replication", "source", "target", "partition", "allow");
    /** Other products' keys in our namespaces that the docs name on purpose: Confluent's S3 sink, which the seed used. */
    private static final Set<String> FOREIGN_KEYS = Set.of("path.format");

    private static final Pattern FQCN = Pattern.compile("\\bio\\.oddsupdate(?:\\.[A-Za-z_$][\\w$]*)+");
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.$/-])([A-Z]\\w*)((?:[.#][A-Za-z_]\\w*)*)");
    private static final Pattern CONFIG_KEY = Pattern.compile("[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+(?:\\.\\*)?");
    private static final Pattern REPO_PATH = Pattern.compile("[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?");
    private static final List<Pattern> HISTORY = List.of(
            Pattern.compile("\\b[Ii]ssues? #?[0-9]+\\b"),
            Pattern.compile("\\b(?:at|commit) [0-9a-f]{7,40}\\b"),
            Pattern.compile("(?i)\\bthis session\\b"));

    @Test
    void relativeLinksAndAnchorsResolve() {
        List<String> problems = new ArrayList<>();
        Map<Path, Doc> byPath = docs().stream().collect(Collectors.toMap(d -> d.path, d -> d));
        for (Doc doc : docs()) {
            for (Ref link : doc.links) {
                String target = link.text;
                Path resolved = doc.resolve(target);
                if (resolved == null) {
                    continue; // http:, https:, mailto: — outside the repository
                }
                int hash = target.indexOf('#');
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    problems.add(doc.at(link.line) + "broken link (" + target + "): no " + ROOT.relativize(resolved.normalize()));
                    continue;
                }
                if (anchor != null && resolved.toString().endsWith(".md")) {
                    Doc targetDoc = byPath.containsKey(resolved) ? byPath.get(resolved) : Doc.read(resolved);
                    if (!targetDoc.anchors.contains(anchor)) {
                        problems.add(doc.at(link.line) + "broken anchor (" + target + "): " + ROOT.relativize(resolved)
                                + " has no heading '#" + anchor + "'");
                    }
                }
            }
        }
        assertNoProblems("relative links", problems);
    }

    /** The checks above pass vacuously if the parser sees nothing: it must see what the pages plainly hold. */
    @Test
    void theParserSeesTheDocs() {
        Doc readme = docs().get(0);
        assertTrue(readme.path.endsWith("README.md"), "the README is read first");
        assertTrue(readme.links.stream().anyMatch(l -> l.text.equals("docs/testing.md")), "README links: " + readme.links);
        assertTrue(readme.spans.stream().anyMatch(s -> s.text.equals("mvn -B verify") || s.text.equals(".ci/run")),
                "README code spans: " + readme.spans);
        assertTrue(readme.fences.stream().filter(f -> f.lang.equals("json")).count() >= 5, "README JSON examples: " + readme.fences);
        assertTrue(readme.anchors.contains("guarantees"), "README headings: " + readme.anchors);
        assertTrue(docs().size() >= 10, "pages: " + docs().stream().map(d -> ROOT.relativize(d.path)).toList());
    }

    @Test
    void everyPageUnderDocsIsLinked() {
        Set<Path> linked = new HashSet<>();
        for (Doc doc : docs()) {
            for (Ref link : doc.links) {
                Path target = doc.resolve(link.text);
                if (target != null && !target.equals(doc.path)) {
                    linked.add(target);
                }
            }
        }
        List<String> problems = docs().stream().filter(d -> d.path.startsWith(ROOT.resolve("docs")) && !linked.contains(d.path))
                .map(d -> ROOT.relativize(d.path) + ": not linked from README.md or any other page").toList();
        assertNoProblems("orphan pages", problems);
    }

    @Test
    void classesNamedInTheDocsExist() {
        Sources sources = Sources.scan();
        List<String> problems = new ArrayList<>();
        for (Doc doc : docs()) {
            List<Ref> texts = new ArrayList<>(doc.spans);
            doc.fences.forEach(f -> texts.add(new Ref(f.text, f.line)));
            for (Ref text : texts) {
                Matcher fq = FQCN.matcher(text.text);
                while (fq.find()) {
                    String why = sources.checkQualified(fq.group());
                    if (why != null) {
                        problems.add(doc.at(text.line + lineOf(text.text, fq.group())) + "`" + fq.group() + "`: " + why);
                    }
                }
                String withoutQualified = FQCN.matcher(text.text).replaceAll(" ");
                Matcher m = QUALIFIED.matcher(withoutQualified);
                while (m.find()) {
                    String why = sources.checkSimple(m.group(1), m.group(2));
                    if (why != null) {
                        problems.add(doc.at(text.line + lineOf(withoutQualified, m.group())) + "`" + m.group() + "`: " + why);
                    }
                }
            }
        }
        assertNoProblems("class names", problems);
    }

    @Test
    void jsonExamplesParse() {
        List<String> problems = new ArrayList<>();
        for (Doc doc : docs()) {
            for (Fence f : doc.fences) {
                if (f.lang.equals("json")) {
                    try {
                        JSON.readTree(f.text);
                    } catch (JsonProcessingException e) {
                        problems.add(doc.at(f.line) + "JSON example does not parse: " + e.getOriginalMessage());
                    }
                }
            }
        }
        assertNoProblems("JSON examples", problems);
    }

    @Test
    void configKeysNamedInTheDocsExist() throws IOException {
        References refs = References.load();
        List<String> problems = new ArrayList<>();
        for (Doc doc : docs()) {
            for (Fence f : doc.fences) {
                if (!f.lang.equals("json")) {
                    continue;
                }
                JsonNode root;
                try {
                    root = JSON.readTree(f.text);
                } catch (IOException e) {
                    continue; // jsonExamplesParse reports it
                }
                JsonNode config = root.has("config") ? root.get("config") : root;
                if (config.isObject()) {
                    Map<String, String> c = new LinkedHashMap<>();
                    config.fields().forEachRemaining(e -> c.put(e.getKey(), e.getValue().asText()));
                    refs.checkConnectorConfig(c).forEach((key, why) -> problems.add(doc.at(f.line + lineOf(f.text, "\"" + key + "\""))
                            + "`" + key + "`: " + why));
                }
            }
            for (Ref span : doc.spans) {
                String key = span.text.strip().replaceFirst("=.*", "");
                if (CONFIG_KEY.matcher(key).matches()) {
                    String why = refs.checkProseKey(key);
                    if (why != null) {
                        problems.add(doc.at(span.line) + "`" + span.text + "`: " + why);
                    }
                }
            }
        }
        assertNoProblems("config keys", problems);
    }

    @Test
    void repositoryPathsInTheDocsExist() {
        Set<String> topLevel;
        try (Stream<Path> s = Files.list(ROOT)) {
            topLevel = s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> problems = new ArrayList<>();
        for (Doc doc : docs()) {
            if (doc.generated()) {
                continue; // written from ConfigDef docs, whose placeholders (schemas/<name>/vN.avsc) are not paths
            }
            for (Ref span : doc.spans) {
                String p = span.text.strip();
                // a path rooted at a top-level entry; placeholders, globs and build output are not checked
                if (!REPO_PATH.matcher(p).matches() || !topLevel.contains(p.substring(0, p.indexOf('/')))
                        || p.contains("...") || List.of(p.split("/")).contains("target")) {
                    continue;
                }
                if (!Files.exists(ROOT.resolve(p))) {
                    problems.add(doc.at(span.line) + "`" + p + "` does not exist");
                }
            }
        }
        assertNoProblems("repository paths", problems);
    }

    @Test
    void theDocsCarryNoHistory() {
        List<String> problems = new ArrayList<>();
        for (Doc doc : docs()) {
            for (int i = 0; i < doc.lines.size(); i++) {
                for (Pattern p : HISTORY) {
                    Matcher m = p.matcher(doc.lines.get(i));
                    if (m.find()) {
                        problems.add(doc.at(i + 1) + "'" + m.group() + "': say what is true now; history is in git");
                    }
                }
            }
        }
        assertNoProblems("history", problems);
    }

    /** The line (from 0) of a code block on which {@code text} first appears. */
    private static int lineOf(String block, String text) {
        int at = block.indexOf(text);
        return at < 0 ? 0 : (int) block.substring(0, at).chars().filter(ch -> ch == '\n').count();
    }

    private static void assertNoProblems(String what, List<String> problems) {
        assertTrue(problems.isEmpty(), problems.size() + " problem(s) with " + what + " in README.md or docs/:\n  "
                + String.join("\n  ", problems));
    }

    private static List<Doc> docsCache;

    private static synchronized List<Doc> docs() {
        if (docsCache == null) {
            List<Doc> docs = new ArrayList<>();
            docs.add(Doc.read(ROOT.resolve("README.md")));
            try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(p -> docs.add(Doc.read(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            docsCache = docs;
        }
        return docsCache;
    }

    /** A piece of text (a code span, a link target, a code block) and the line it starts on. */
    record Ref(String text, int line) {
    }

    record Fence(String lang, String text, int line) {
    }

    /** One Markdown file: its code spans and links outside code blocks, its code blocks, and its headings' anchors. */
    static final class Doc {
        private static final Pattern FENCE = Pattern.compile("^\\s*(```+|~~~+)\\s*([\\w-]*).*$");
        private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
        private static final Pattern SPAN = Pattern.compile("(`+)(.+?)\\1", Pattern.DOTALL);
        private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");

        final Path path;
        final List<String> lines;
        final List<Ref> spans = new ArrayList<>();
        final List<Ref> links = new ArrayList<>();
        final List<Fence> fences = new ArrayList<>();
        final Set<String> anchors = new HashSet<>();

        private Doc(Path path, List<String> lines) {
            this.path = path;
            this.lines = lines;
        }

        static Doc read(Path path) {
            try {
                Doc doc = new Doc(path.toAbsolutePath().normalize(), Files.readAllLines(path, StandardCharsets.UTF_8));
                doc.parse();
                return doc;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A config reference generated from a ConfigDef (docs/config/), checked by the modules' own tests. */
        boolean generated() {
            return path.startsWith(ROOT.resolve("docs/config"));
        }

        /** The file a link points to (this page for a bare {@code #anchor}), or null for a URL. */
        Path resolve(String target) {
            if (target.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                return null;
            }
            String file = URLDecoder.decode(target.replaceFirst("#.*", "").replace("+", "%2B"), StandardCharsets.UTF_8);
            return file.isEmpty() ? path : path.getParent().resolve(file).normalize();
        }

        String at(int line) {
            return ROOT.relativize(path) + ":" + line + ": ";
        }

        private void parse() {
            StringBuilder prose = new StringBuilder();
            String fence = null;
            String lang = null;
            StringBuilder block = null;
            int blockLine = 0;
            Map<String, Integer> slugs = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                Matcher f = FENCE.matcher(line);
                if (fence == null && f.matches()) {
                    fence = f.group(1);
                    lang = f.group(2).toLowerCase(Locale.ROOT);
                    block = new StringBuilder();
                    blockLine = i + 2;
                    prose.append('\n');
                } else if (fence != null) {
                    if (line.strip().startsWith(fence) && line.strip().replace(fence.substring(0, 1), "").isEmpty()) {
                        fences.add(new Fence(lang, block.toString(), blockLine));
                        fence = null;
                    } else {
                        block.append(line).append('\n');
                    }
                    prose.append('\n');
                } else {
                    Matcher h = HEADING.matcher(line);
                    if (h.matches()) {
                        String slug = slug(h.group(1));
                        int n = slugs.merge(slug, 1, Integer::sum);
                        anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
                    }
                    prose.append(line).append('\n');
                }
            }
            // paragraphs (blank-line separated), so a code span may wrap but never runs into the next paragraph
            int lineNo = 1;
            for (String paragraph : prose.toString().split("\n(?=\\s*\n)")) {
                String p = paragraph;
                int start = lineNo;
                Matcher s = SPAN.matcher(p);
                StringBuilder withoutSpans = new StringBuilder();
                while (s.find()) {
                    spans.add(new Ref(s.group(2).replace('\n', ' '), start + count(p, s.start())));
                    s.appendReplacement(withoutSpans, Matcher.quoteReplacement(s.group().replaceAll("[^\n]", "x")));
                }
                s.appendTail(withoutSpans);
                Matcher l = LINK.matcher(withoutSpans);
                while (l.find()) {
                    links.add(new Ref(l.group(1), start + count(withoutSpans.toString(), l.start())));
                }
                lineNo += count(p, p.length()) + 1;
            }
        }

        private static int count(String s, int end) {
            int n = 0;
            for (int i = 0; i < end; i++) {
                if (s.charAt(i) == '\n') {
                    n++;
                }
            }
            return n;
        }

        /** GitHub's heading anchors: the rendered text, lower-cased, punctuation dropped, spaces as hyphens. */
        static String slug(String heading) {
            String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "");
            return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
        }
    }

    /** Our Java sources (main and test, every module) and the Avro records of {@code schemas/}. */
    static final class Sources {
        private static final Pattern TYPE = Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");
        private static final Pattern SUPERTYPE = Pattern.compile("\\b(?:extends|implements)\\s+([A-Z]\\w*)");

        final Map<String, Path> topLevel = new HashMap<>();   // io.oddsupdate.x.Y -> file
        final Map<String, Set<Path>> simple = new HashMap<>(); // Y (also nested types) -> files
        final Set<String> packages = new HashSet<>();
        final Set<String> avro = new HashSet<>();
        final Set<String> avroSimple = new HashSet<>();
        private final Map<Path, Set<String>> supertypes = new HashMap<>();
        private final Map<Path, String> text = new HashMap<>();

        static Sources scan() {
            Sources s = new Sources();
            try {
                Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                        return !dir.equals(ROOT) && (name.startsWith(".") || name.equals("target") || name.equals("node_modules"))
                                ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        String rel = ROOT.relativize(file).toString().replace('\\', '/');
                        Matcher m = Pattern.compile("^[^/]+/src/[^/]+/java/(.+)\\.java$").matcher(rel);
                        if (m.matches()) {
                            s.addJava(m.group(1).replace('/', '.'), file);
                        } else if (rel.startsWith("schemas/") && rel.endsWith(".avsc")) {
                            s.addAvro(JSON.readTree(file.toFile()), null);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return s;
        }

        private void addJava(String fqcn, Path file) throws IOException {
            String src = Files.readString(file, StandardCharsets.UTF_8);
            text.put(file, src);
            topLevel.put(fqcn, file);
            for (String p = fqcn; p.contains("."); ) {
                p = p.substring(0, p.lastIndexOf('.'));
                packages.add(p);
            }
            Matcher sup = SUPERTYPE.matcher(src);
            while (sup.find()) {
                supertypes.computeIfAbsent(file, k -> new HashSet<>()).add(sup.group(1));
            }
            Matcher t = TYPE.matcher(src);
            while (t.find()) {
                simple.computeIfAbsent(t.group(1), k -> new HashSet<>()).add(file);
            }
            simple.computeIfAbsent(fqcn.substring(fqcn.lastIndexOf('.') + 1), k -> new HashSet<>()).add(file);
        }

        private void addAvro(JsonNode schema, String namespace) {
            if (schema.isArray()) {
                schema.forEach(s -> addAvro(s, namespace));
            } else if (schema.isObject()) {
                String ns = schema.path("namespace").asText(namespace);
                String name = schema.path("name").asText(null);
                String type = schema.path("type").asText("");
                if (name != null && Set.of("record", "enum", "fixed").contains(type)) {
                    String full = name.contains(".") ? name : ns == null ? name : ns + "." + name;
                    avro.add(full);
                    avroSimple.add(full.substring(full.lastIndexOf('.') + 1));
                    ns = full.contains(".") ? full.substring(0, full.lastIndexOf('.')) : ns;
                }
                for (JsonNode field : schema.path("fields")) {
                    addAvro(field.path("type"), ns);
                }
                addAvro(schema.path("type"), ns);
                addAvro(schema.path("items"), ns);
                addAvro(schema.path("values"), ns);
            }
        }

        /** Null if an {@code io.oddsupdate...} name is a class (or a member of one), a package or an Avro record. */
        String checkQualified(String name) {
            if (packages.contains(name) || avro.contains(name) || topLevel.containsKey(name)) {
                return null;
            }
            String[] parts = name.split("\\.");
            for (int i = parts.length - 1; i > 0; i--) {
                String prefix = String.join(".", java.util.Arrays.copyOf(parts, i));
                Path file = topLevel.get(prefix);
                if (file != null) {
                    List<String> members = List.of(parts).subList(i, parts.length);
                    String missing = missingMember(Set.of(file), members);
                    return missing == null ? null : "no '" + missing + "' in " + ROOT.relativize(file);
                }
            }
            return "no such class, package or schema record in this repository";
        }

        /** Null unless a simple name looks like ours but no class of ours has it, or names a member its class lacks. */
        String checkSimple(String name, String memberChain) {
            Set<Path> files = simple.get(name);
            if (files == null) {
                return !OURS_LOOKING.matcher(name).matches() || avroSimple.contains(name) ? null
                        : "looks like one of ours, but no module has a class " + name;
            }
            // Foo.java, Foo.md: a file name, not a member
            List<String> members = memberChain.isEmpty() || memberChain.matches("\\.(?:java|md|json|avsc|sql|lua|properties)")
                    ? List.of() : List.of(memberChain.substring(1).split("[.#]"));
            String missing = missingMember(files, members);
            return missing == null ? null : "no '" + missing + "' in " + files.stream().map(ROOT::relativize).toList();
        }

        /** The first member no file of the classes (or of their supertypes of ours, e.g. an inherited method) names. */
        private String missingMember(Set<Path> files, List<String> members) {
            Set<Path> hierarchy = new HashSet<>();
            for (List<Path> todo = new ArrayList<>(files); !todo.isEmpty(); ) {
                Path f = todo.remove(todo.size() - 1);
                if (hierarchy.add(f)) {
                    supertypes.getOrDefault(f, Set.of()).forEach(s -> todo.addAll(simple.getOrDefault(s, Set.of())));
                }
            }
            for (String member : members) {
                Pattern word = Pattern.compile("\\b" + Pattern.quote(member) + "\\b");
                if (hierarchy.stream().noneMatch(f -> word.matcher(text.get(f)).find())) {
                    return member;
                }
            }
            return null;
        }
    }

    /** The generated config references ({@code docs/config/*.md}) and Connect's own settings. */
    static final class References {
        private static final Pattern HEADING = Pattern.compile("^#+\\s+`(io\\.oddsupdate\\.[\\w.]+)`");
        private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|");
        private static final List<String> CONVERTERS = List.of("key.converter", "value.converter", "header.converter");
        private static final List<String> MIRROR_CLIENT_PREFIXES = List.of("source.cluster.", "target.cluster.", "source.consumer.",
                "source.producer.", "source.admin.", "target.consumer.", "target.producer.", "target.admin.");

        final Map<String, Set<String>> keysByClass = new HashMap<>(); // FQCN -> keys of its reference
        final Set<String> allKeys = new TreeSet<>();
        final Set<String> ourNamespaces = new TreeSet<>();

        static References load() throws IOException {
            References r = new References();
            try (Stream<Path> files = Files.list(ROOT.resolve("docs/config"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".md")).toList()) {
                    String cls = null;
                    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                        Matcher h = HEADING.matcher(line);
                        Matcher row = ROW.matcher(line);
                        if (h.find()) {
                            cls = h.group(1);
                            r.keysByClass.putIfAbsent(cls, new TreeSet<>());
                        } else if (cls != null && row.find() && !row.group(1).equals("key")) {
                            r.keysByClass.get(cls).add(row.group(1));
                            r.allKeys.add(row.group(1));
                        }
                    }
                }
            }
            for (String key : r.allKeys) {
                if (key.contains(".")) {
                    r.ourNamespaces.add(key.substring(0, key.indexOf('.')));
                }
            }
            r.ourNamespaces.removeAll(SHARED_NAMESPACES);
            assertTrue(r.keysByClass.size() >= 9 && !r.allKeys.isEmpty(), "docs/config/ has no generated references: " + r.keysByClass);
            return r;
        }

        /** A dotted name in the text: checked when its namespace is one only our plugins use. */
        String checkProseKey(String key) {
            String k = key.replaceFirst("^transforms\\.[^.]+\\.", "").replaceFirst("^(?:key|value|header)\\.converter\\.", "");
            if (!k.contains(".") || !ourNamespaces.contains(k.substring(0, k.indexOf('.'))) || FOREIGN_KEYS.contains(k)) {
                return null;
            }
            if (k.endsWith(".*")) {
                String prefix = k.substring(0, k.length() - 1);
                return allKeys.stream().anyMatch(a -> a.startsWith(prefix)) ? null : "no config key of our plugins starts with " + prefix;
            }
            return allKeys.contains(k) ? null : "not a config key of any of our plugins (docs/config/*.md)";
        }

        /**
         * Every key of a connector config (or fragment of one) against the references and Connect's own settings: the
         * keys that are wrong, each with the reason.
         */
        Map<String, String> checkConnectorConfig(Map<String, String> config) {
            Map<String, String> wrong = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            String cls = config.get("connector.class");
            boolean ours = cls != null && cls.startsWith("io.oddsupdate.");
            if (!config.containsKey("connector.class") && config.keySet().stream().noneMatch(k -> k.startsWith("transforms")
                    || CONVERTERS.stream().anyMatch(k::startsWith))) {
                return wrong; // not a connector config (e.g. an IAM policy)
            }
            Set<String> allowed = new HashSet<>();
            // our sinks are named *SinkConnector; a fragment without a class may hold either kind's settings
            if (cls == null || cls.endsWith("SinkConnector")) {
                allowed.addAll(SinkConnectorConfig.configDef().names());
            }
            if (cls == null || !cls.endsWith("SinkConnector")) {
                allowed.addAll(SourceConnectorConfig.configDef().names());
            }
            boolean mirror = ours && cls.contains(".mirror.");
            if (mirror) {
                String stock = cls.substring(cls.lastIndexOf('.') + 1).replace("TopicMapping", "");
                allowed.addAll(switch (stock) {
                    case "MirrorSourceConnector" -> new MirrorSourceConnector().config().names();
                    case "MirrorCheckpointConnector" -> new MirrorCheckpointConnector().config().names();
                    case "MirrorHeartbeatConnector" -> new MirrorHeartbeatConnector().config().names();
                    default -> Set.of();
                });
                allowed.addAll(keysOf("io.oddsupdate.connect.mirror.TopicMappingReplicationPolicy", problems));
            } else if (ours) {
                allowed.addAll(keysOf(cls, problems));
            }
            for (String key : config.keySet()) {
                String why = checkKey(key, config, allowed, ours, mirror, problems);
                if (why != null) {
                    wrong.put(key, why);
                }
            }
            // a class without a generated reference: reported once, on the key that names it
            for (String missing : new LinkedHashSet<>(problems)) {
                String named = missing.substring(0, missing.indexOf(' '));
                config.entrySet().stream().filter(e -> e.getValue().equals(named)).findFirst()
                        .ifPresent(e -> wrong.put(e.getKey(), missing));
            }
            return wrong;
        }

        private String checkKey(String key, Map<String, String> config, Set<String> allowed, boolean ours, boolean mirror,
                                List<String> problems) {
            if (allowed.contains(key) || key.startsWith("topic.creation.") || key.startsWith("predicates.")) {
                return null;
            }
            Matcher t = Pattern.compile("^transforms\\.([^.]+)\\.(.+)$").matcher(key);
            if (t.matches()) {
                String sub = t.group(2);
                String type = config.get("transforms." + t.group(1) + ".type");
                if (Set.of("type", "predicate", "negate").contains(sub) || type == null || !type.startsWith("io.oddsupdate.")) {
                    return type == null ? "no transforms." + t.group(1) + ".type in this example" : null;
                }
                Set<String> keys = keysOf(type, problems); // empty: no reference, reported once
                return keys.isEmpty() || keys.contains(sub) ? null : "not a key of " + type + " (docs/config/)";
            }
            for (String c : CONVERTERS) {
                if (key.startsWith(c + ".")) {
                    String converter = config.get(c);
                    String sub = key.substring(c.length() + 1);
                    if (converter == null || !converter.startsWith("io.oddsupdate.")) {
                        return null;
                    }
                    Set<String> keys = keysOf(converter, problems);
                    return keys.isEmpty() || keys.contains(sub) ? null : "not a key of " + converter + " (docs/config/)";
                }
            }
            Map<String, Set<String>> clients = Map.of("producer.override.", ProducerConfig.configNames(),
                    "consumer.override.", ConsumerConfig.configNames(), "admin.override.", AdminClientConfig.configNames());
            for (Map.Entry<String, Set<String>> c : clients.entrySet()) {
                if (key.startsWith(c.getKey())) {
                    return c.getValue().contains(key.substring(c.getKey().length())) ? null : "not a Kafka client setting";
                }
            }
            if (mirror && MIRROR_CLIENT_PREFIXES.stream().anyMatch(key::startsWith)) {
                return null;
            }
            return ours ? "neither a key of " + config.get("connector.class") + " (docs/config/) nor a Connect setting" : null;
        }

        private Set<String> keysOf(String cls, List<String> problems) {
            Set<String> keys = keysByClass.get(cls);
            if (keys == null) {
                problems.add(cls + " has no generated reference in docs/config/");
                return Set.of();
            }
            return keys;
        }
    }
}
