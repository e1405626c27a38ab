package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staging AWS's config provider release ZIP for the bundle ({@link ConfigProviderJars}), and the bundle check that
 * runs on the result ({@link PluginZip}, used by UploadedBundleIT on the uploaded file): what the buildspec used to do
 * after the checks, with nothing checked.
 */
class ConfigProviderJarsTest {

    @Test
    void jarsAreStagedFlatWhenTheChecksumMatches(@TempDir Path tmp) throws IOException {
        Path zip = zip(tmp.resolve("providers.zip"), Map.of(
                "msk-config-providers/lib/msk-config-providers-0.4.0.jar", jar(Map.of("com/amazonaws/kafka/config/providers/SecretsManagerConfigProvider.class", "p")),
                "msk-config-providers/lib/secretsmanager-2.25.0.jar", jar(Map.of("software/amazon/awssdk/services/secretsmanager/X.class", "x")),
                "msk-config-providers/README.md", "docs".getBytes(StandardCharsets.UTF_8)));
        List<Path> jars = ConfigProviderJars.stage(zip, ConfigProviderJars.sha256(zip), tmp.resolve("out"));
        assertEquals(List.of("msk-config-providers-0.4.0.jar", "secretsmanager-2.25.0.jar"), jars.stream().map(p -> p.getFileName().toString()).toList());
        // no ZIP: an empty directory (local and plain-Connect bundles), and what an earlier build staged is gone
        assertEquals(List.of(), ConfigProviderJars.stage(null, "", tmp.resolve("out")));
        try (var left = Files.list(tmp.resolve("out"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void aWrongOrMissingChecksumAWorkerJarOrTwoJarsOfOneNameAreRefused(@TempDir Path tmp) throws IOException {
        Path good = zip(tmp.resolve("good.zip"), Map.of("lib/a-1.jar", jar(Map.of("a/A.class", "a"))));
        assertMessage(() -> ConfigProviderJars.stage(good, "", tmp.resolve("o")), "SHA-256");
        assertMessage(() -> ConfigProviderJars.stage(good, "0".repeat(64), tmp.resolve("o")), "expected 0000");
        Path worker = zip(tmp.resolve("worker.zip"), Map.of("lib/kafka-clients-3.6.0.jar", jar(Map.of("org/apache/kafka/X.class", "x"))));
        assertMessage(() -> ConfigProviderJars.stage(worker, ConfigProviderJars.sha256(worker), tmp.resolve("o")), "kafka-clients-3.6.0.jar");
        Path twice = zip(tmp.resolve("twice.zip"), Map.of("a/lib/x-1.jar", jar(Map.of("x/X.class", "1")), "b/lib/x-1.jar", jar(Map.of("x/X.class", "2"))));
        assertMessage(() -> ConfigProviderJars.stage(twice, ConfigProviderJars.sha256(twice), tmp.resolve("o")), "lib/x-1.jar");
    }

    @Test
    void theBundleCheckCatchesAProviderThatBringsAnotherSdkVersion(@TempDir Path tmp) throws IOException {
        // a bundle as the assembly makes it: our AWS SDK jar, and the provider's release carrying an older one
        Path bundle = zip(tmp.resolve("odds-update-bundle-9.zip"), Map.of(
                "odds-update-bundle-9/manifest.json", "{}".getBytes(StandardCharsets.UTF_8),
                "odds-update-bundle-9/lib/sdk-core-2.29.0.jar", jar(Map.of("software/amazon/awssdk/core/SdkBytes.class", "new")),
                "odds-update-bundle-9/lib/sdk-core-2.20.0.jar", jar(Map.of("software/amazon/awssdk/core/SdkBytes.class", "old"))));
        PluginZip z = PluginZip.unpack(bundle);
        assertEquals(List.of("software/amazon/awssdk/core/SdkBytes.class"), List.copyOf(z.conflictingClasses().keySet()));
        assertEquals(1, z.artifactsInTwoVersions().size(), z.artifactsInTwoVersions().toString());
        assertEquals(List.of(), z.zipShapeProblems());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] jar(Map<String, String> classes) throws IOException {
        Path tmp = Files.createTempFile("jar", ".jar");
        try {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            classes.forEach((n, body) -> entries.put(n, body.getBytes(StandardCharsets.UTF_8)));
            zip(tmp, entries);
            return Files.readAllBytes(tmp);
        } finally {
            Files.delete(tmp);
        }
    }

    private static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(entries).entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }
}
