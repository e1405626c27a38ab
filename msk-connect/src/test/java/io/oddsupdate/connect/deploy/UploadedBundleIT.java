package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The bundle exactly as the buildspec uploads it ({@code msk-connect/target/odds-update-bundle-<release version>.zip},
 * AWS's config provider jars included when CI passed them): one check of everything that must hold for the uploaded
 * file, and only then {@code <zip>.sha256}, which the buildspec verifies ({@code sha256sum -c}) before it uploads. A
 * ZIP changed after this test ran, or never checked, is not uploaded. Its shape is MSK Connect's ("Create custom
 * plugins": a ZIP of jars).
 *
 * <p>Before, the buildspec unzipped the bundle, copied the provider's jars into its {@code lib/} and zipped it again
 * after the tests had run: a second AWS SDK, or a class in two jars, went to S3 unchecked.
 */
class UploadedBundleIT {

    /** What MSK Connect workers load for {@code config.providers.secretsmanager.class} in the MSK environments. */
    static final String SECRETS_MANAGER_PROVIDER = "com/amazonaws/kafka/config/providers/SecretsManagerConfigProvider.class";

    @Test
    void theUploadedZipHasNoConflictingClassNorWorkerJarAndIsMarkedChecked() throws IOException {
        Path zip = Bundles.bundleZip();
        Path checked = zip.resolveSibling(zip.getFileName() + ".sha256");
        Files.deleteIfExists(checked);
        PluginZip bundle = PluginZip.unpack(zip);

        List<String> problems = new ArrayList<>(bundle.zipShapeProblems());
        bundle.workerProvidedJars().forEach(j -> problems.add("worker jar " + j));
        bundle.workerProvidedClasses().forEach(c -> problems.add("worker class " + c));
        bundle.mirrorJarsOfAnotherVersion(System.getProperty("oddsupdate.kafka.version")).forEach(j -> problems.add("MirrorMaker jar " + j));
        bundle.artifactsInTwoVersions().forEach(j -> problems.add("second version of an artifact: " + j));
        bundle.conflictingClasses().entrySet().stream().limit(20)
                .forEach(e -> problems.add("class in two jars with different bytes: " + e.getKey() + " in " + e.getValue()));

        String providers = System.getProperty("oddsupdate.config.providers.zip", "none");
        Map<String, List<String>> owners = bundle.classOwners();
        if (!providers.isBlank() && !providers.equals("none")) {
            // CI passed AWS's release ZIP: the worker configuration's provider class must be in the uploaded bundle.
            if (!owners.containsKey(SECRETS_MANAGER_PROVIDER)) {
                problems.add(SECRETS_MANAGER_PROVIDER + " is not in the bundle although " + providers + " was given");
            }
            Set<String> inLib = Set.copyOf(bundle.jars().stream().map(p -> p.getFileName().toString()).toList());
            try (var staged = Files.list(zip.resolveSibling("config-providers"))) {
                staged.map(p -> p.getFileName().toString()).filter(n -> !inLib.contains(n))
                        .forEach(n -> problems.add("staged config provider jar " + n + " is not in lib/"));
            }
        }
        assertEquals(List.of(), problems, zip.getFileName() + " must not be uploaded");

        Files.writeString(checked, sha256(zip) + "  " + zip.getFileName() + "\n", StandardCharsets.US_ASCII);
        assertTrue(Files.size(checked) > 64);
        System.out.printf("%s checked; buildspec uploads it after 'sha256sum -c %s'%n", zip.getFileName(), checked.getFileName());
    }

    /** This module's main classes are not on the integration-test class path (root POM), so no ConfigProviderJars here. */
    private static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
