package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Fails the build on a literal secret in {@code connector-configs/} or {@code msk-connect/}: every sensitive value must
 * be a config provider reference ({@code ${secretsmanager:...}}, {@code ${file:...}}) resolved by the worker.
 *
 * <p>Stricter than the lead's pre-stop check (whose pattern is rule 1 below): a sensitive key's whole value must be
 * references, whatever its length or alphabet, and credentials inside JAAS strings, URLs and key material are caught too.
 */
class SecretScanTest {

    static final List<String> SCANNED = List.of("connector-configs", "msk-connect");

    /** A value made only of provider references (and the separators a JAAS or URL value puts between them). */
    private static final Pattern ONLY_REFERENCES = Pattern.compile("(\\s|[\"';,]|\\$\\{[a-zA-Z0-9_.-]+:(?:[^{}]|\\{\\{[A-Za-z0-9_.-]+}})+})*");

    private static final Pattern SENSITIVE_WORD = Pattern.compile(
            "(?i)password|passwd|secret|token|credential|api[._-]?key|access[._-]?key|private[._-]?key|sasl\\.jaas\\.config|keystore\\.key|certificate\\.chain");

    /** Keys that say where or how a secret is found, never the secret itself (ssl.keystore.location, *.class...). */
    private static final Pattern LOCATOR_KEY = Pattern.compile("(?i).*[._-](file|path|location|class|type|mechanism|algorithm|protocol|arn)");

    /** A config provider declaration: only its parameters (after {@code param.}) can hold a secret. */
    private static final Pattern PROVIDER_DECLARATION = Pattern.compile("(?i)config\\.providers(\\.[a-z0-9_-]+(\\.class)?)?");

    private static final Pattern SENSITIVE_KEY = Pattern.compile(
            "(?i)[\"']?([a-z0-9_.\\-]*(password|passwd|secret|token|credential|api[._-]?key|access[._-]?key|private[._-]?key|"
                    + "sasl\\.jaas\\.config|keystore\\.key|certificate\\.chain)[a-z0-9_.\\-]*)[\"']?\\s*(=|:)\\s*\"?(.*?)\"?\\s*,?\\s*$");

    private static final List<Pattern> ANYWHERE = List.of(
            // 1. the lead's checklist pattern (.. before-stop), applied to every line it would see
            Pattern.compile("(password|secret|sasl\\.jaas\\.config)[^$]{0,80}(=|\":)\\s*\"?[A-Za-z0-9/+_-]{6,}"),
            // 2. JAAS options with a literal value: password="x", username='x' are only fine as references
            Pattern.compile("(?i)(password|secret)\\s*=\\s*\\\\?[\"'](?!\\$\\{[^}\"']+}\\\\?[\"'])"),
            // 3. credentials in a URL: scheme://user:pass@ or scheme://:pass@
            Pattern.compile("[a-z][a-z0-9+.-]*://[^/\\s:@\"]*:(?!\\$\\{)[^/\\s@\"]+@"),
            // 4. AWS access key ids and PEM key material
            Pattern.compile("(AKIA|ASIA)[0-9A-Z]{16}"),
            Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            // 5. an AWS secret access key shaped value next to its name
            Pattern.compile("(?i)aws_?secret_?access_?key\\W+(?!\\$\\{)[A-Za-z0-9/+]{40}"));

    /** MSK IAM authentication: a JAAS line that carries no credential at all (the role's, fetched at run time). */
    private static final Pattern CREDENTIAL_FREE_JAAS = Pattern.compile("sasl\\.jaas\\.config\"?\\s*[:=]\\s*\"?software\\.amazon\\.msk\\.auth\\.iam\\.IAMLoginModule required;\"?,?\\s*$");

    private static final Pattern GENERATOR_VAR = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}");

    /** Every value each {{var}} takes in connector-configs/environments/*.json. */
    private static final java.util.function.Supplier<java.util.Map<String, List<String>>> ENVIRONMENT_VARS = () -> {
        java.util.Map<String, List<String>> vars = new java.util.TreeMap<>();
        Path dir = PluginPath.projectRoot().resolve("connector-configs/environments");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).path("vars").fields()
                        .forEachRemaining(e -> vars.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asText()));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return vars;
    };

    /** What may stand as a sensitive key's value without being a reference: nothing, or a key *name* in docs. */
    private static final Pattern HARMLESS_VALUE = Pattern.compile("|null|\\[hidden]|PASSWORD|ConfigDef\\.Type\\.PASSWORD");

    @Test
    void noLiteralSecretInShippedConfigsOrDeploymentArtefacts() throws IOException {
        List<String> findings = new ArrayList<>();
        Path root = PluginPath.projectRoot();
        for (String dir : SCANNED) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(d)) {
                for (Path f : files.filter(Files::isRegularFile).filter(SecretScanTest::scanned).toList()) {
                    findings.addAll(scan(root.relativize(f).toString(), f));
                }
            }
        }
        assertEquals(List.of(), findings, "literal secrets: use a config provider reference such as ${secretsmanager:<secret>:<key>} or ${file:<path>:<key>}");
    }

    @Test
    void scannerCatchesWhatItMustAndPassesReferences() {
        String pw = "pass" + "word";
        List<String> bad = List.of(
                "\"database." + pw + "\": \"hunter2\"",
                "\"redis." + pw + "\": \"x\"",
                "ssl.key." + pw + "=abc",
                "\"source.cluster.sasl.jaas.config\": \"org.apache.kafka.common.security.scram.ScramLoginModule required username=\\\"vendor\\\" " + pw + "=\\\"${secretsmanager:v:p}x\\\";\"",
                "\"source.cluster.sasl.jaas.config\": \"ScramLoginModule required username=\\\"u\\\" " + pw + "=\\\"s3cr3t-value\\\";\"",
                "\"postgres.url\": \"jdbc:postgresql://odds:" + "letmein@db:5432/odds\"",
                "\"redis.uri\": \"rediss://:" + "letmein@cache:6379\"",
                "aws_access_key_id = " + "AKIA" + "ABCDEFGHIJKLMNOP",
                "-----BEGIN RSA " + "PRIVATE KEY-----",
                "api_token: abcdef",
                "\"source.cluster.sasl.jaas.config\": \"{{no.such.var}}\"",
                "\"config.providers.vault.param.token\": \"abcd1234\"");
        for (String line : bad) {
            assertEquals(1, scanLine("x", 1, line).size(), "must flag: " + line);
        }
        List<String> good = List.of(
                "\"database." + pw + "\": \"${secretsmanager:odds/postgres:" + pw + "}\"",
                "\"ssl.keystore." + pw + "\": \"${file:/opt/secrets/vendor.properties:keystore." + pw + "}\"",
                "\"source.cluster.sasl.jaas.config\": \"${secretsmanager:odds/vendor-scram:jaas}\"",
                "\"target.cluster.sasl.jaas.config\": \"{{msk.iam.jaas.config}}\"",
                "\"source.cluster.sasl.jaas.config\": \"org.apache.kafka.common.security.scram.ScramLoginModule required username=\\\"${file:/s:u}\\\" " + pw + "=\\\"${file:/s:p}\\\";\"",
                "\"redis.uri\": \"rediss://cache:6379\"",
                "\"sasl.jaas.config\": \"software.amazon.msk.auth.iam.IAMLoginModule required;\"",
                "| `database." + pw + "` | " + pw + " | null |",
                "\"config.providers.secretsmanager.class\": \"com.amazonaws.kafka.config.providers.SecretsManagerConfigProvider\",",
                "\"local.provider.file\": \"/tmp/odds-update-local/secrets.properties\"",
                "\"postgres." + pw + "\": \"${file:{{local.provider.file}}:postgres." + pw + "}\",");
        for (String line : good) {
            assertEquals(List.of(), scanLine("x", 1, line), "must pass: " + line);
        }
    }

    private static boolean scanned(Path f) {
        String p = f.toString().replace('\\', '/');
        // build output is generated from what is scanned here; this file holds the scanner's own fake secrets
        return !p.contains("/target/") && !p.endsWith("/SecretScanTest.java");
    }

    private static List<String> scan(String name, Path f) throws IOException {
        List<String> findings = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (CharacterCodingException binary) {
            return findings; // binary file: no config text in it
        }
        for (int i = 0; i < lines.size(); i++) {
            findings.addAll(scanLine(name, i + 1, lines.get(i)));
        }
        return findings;
    }

    static List<String> scanLine(String name, int lineNo, String line) {
        String where = name + ":" + lineNo + ": " + line.strip();
        for (Pattern p : ANYWHERE) {
            Matcher m = p.matcher(line);
            while (m.find()) {
                // the lead's pattern excludes lines holding a reference; so do we, but only for that rule
                if (p == ANYWHERE.get(0) && (line.matches(".*\\$\\{[a-z]+:.*") || CREDENTIAL_FREE_JAAS.matcher(line).find())) {
                    continue;
                }
                return List.of(where);
            }
        }
        Matcher kv = SENSITIVE_KEY.matcher(line.strip());
        if (kv.matches() && isSensitiveKey(kv.group(1))) {
            String value = kv.group(4).strip();
            if (!HARMLESS_VALUE.matcher(value).matches() && !isOnlyReferencesOrJaasWithReferences(kv.group(1), value)
                    && !value.startsWith("|")) {
                return List.of(where);
            }
        }
        return List.of();
    }

    private static boolean isSensitiveKey(String key) {
        if (PROVIDER_DECLARATION.matcher(key).matches() || LOCATOR_KEY.matcher(key).matches()) {
            return false;
        }
        // a provider's parameter is judged by its own name: config.providers.vault.param.token is, .param.region is not
        String param = key.replaceFirst("(?i)^config\\.providers\\.[a-z0-9_-]+\\.param\\.", "");
        return SENSITIVE_WORD.matcher(param).find();
    }

    private static boolean isOnlyReferencesOrJaasWithReferences(String key, String value) {
        if (ONLY_REFERENCES.matcher(value).matches()) {
            return true;
        }
        Matcher var = GENERATOR_VAR.matcher(value);
        if (var.matches()) {
            // a {{var}} of connector-configs/environments: judged by every value an environment gives it
            List<String> values = ENVIRONMENT_VARS.get().getOrDefault(var.group(1), List.of());
            return !values.isEmpty() && values.stream().allMatch(v -> isOnlyReferencesOrJaasWithReferences(key, v)
                    && scanLine("var " + var.group(1), 0, "\"" + key + "\": \"" + v.replace("\"", "\\\"") + "\"").isEmpty());
        }
        // A JAAS line names a login module; its credential options were checked by rule 2 above.
        return key.toLowerCase().endsWith("sasl.jaas.config") && value.matches("[a-zA-Z0-9_.]+LoginModule\\s+required\\b.*");
    }
}
