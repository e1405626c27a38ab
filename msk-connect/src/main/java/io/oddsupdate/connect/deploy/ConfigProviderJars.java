package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Stages AWS's config providers (aws-samples/msk-config-providers: {@code SecretsManagerConfigProvider}...) for the
 * bundle, so the ZIP the build checks is the ZIP that is uploaded. They are not on Maven Central; CI downloads the
 * release ZIP and passes it with its SHA-256 ({@code -Dmsk.config.providers.zip=... -Dmsk.config.providers.sha256=...}).
 * The build's assembly then puts the staged jars into the bundle's {@code lib/}, and the packaging tests check that
 * bundle for duplicate and conflicting classes, as they do every ZIP.
 *
 * <p>A connector takes exactly one custom plugin, and the worker configuration declares the provider, so it has to be
 * in the bundle (AWS MSK developer guide, "Externalizing sensitive information using config providers").
 *
 * <p>Usage: {@code ConfigProviderJars <release zip or none> <sha256 or none> <out dir>}. Without a ZIP the out dir is
 * left empty: a bundle for plain Connect clusters and the local pipeline, which use {@code FileConfigProvider}.
 */
public final class ConfigProviderJars {

    /** Jars the Connect worker provides; a plugin that ships them shadows the worker's (see PackagingIT). */
    static final Pattern WORKER_JAR = Pattern.compile(
            "(kafka[-_].*|connect-.*|slf4j-.*|log4j-.*|reload4j-.*|logback-.*|jackson-(core|databind|annotations)-.*)\\.jar");

    private ConfigProviderJars() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ConfigProviderJars <release zip or none> <sha256 or none> <out dir>");
            System.exit(2);
        }
        List<Path> jars = stage(absent(args[0]) ? null : Paths.get(args[0]), absent(args[1]) ? "" : args[1], Paths.get(args[2]));
        System.out.println(jars.isEmpty() ? "no config provider ZIP given (-Dmsk.config.providers.zip): bundle without AWS config providers"
                : "config provider jars for the bundle: " + jars.stream().map(p -> p.getFileName().toString()).toList());
    }

    /**
     * Empties {@code out}, then extracts every {@code *.jar} of {@code zip} into it, flat.
     *
     * @throws IllegalArgumentException when the checksum is missing or wrong, a jar is one the worker provides, or two
     *                                  entries have the same file name; each message names the ZIP and the entry
     */
    static List<Path> stage(Path zip, String sha256, Path out) throws IOException {
        Generate.deleteRecursively(out);
        Files.createDirectories(out);
        if (zip == null) {
            return List.of();
        }
        String expected = sha256 == null ? "" : sha256.strip().toLowerCase(Locale.ROOT);
        if (!expected.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(zip + ": a config provider ZIP needs its SHA-256 (-Dmsk.config.providers.sha256), got '" + sha256 + "'");
        }
        String actual = sha256(zip);
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException(zip + ": SHA-256 is " + actual + ", expected " + expected);
        }
        TreeMap<String, String> staged = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isDirectory() || !e.getName().endsWith(".jar")) {
                    continue;
                }
                String file = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                if (WORKER_JAR.matcher(file).matches()) {
                    throw new IllegalArgumentException(zip + ": " + e.getName() + " is a jar the Connect worker provides; it must not be in a plugin");
                }
                String earlier = staged.putIfAbsent(file, e.getName());
                if (earlier != null) {
                    throw new IllegalArgumentException(zip + ": " + earlier + " and " + e.getName() + " would both be lib/" + file);
                }
                Files.copy(in, out.resolve(file));
            }
        }
        if (staged.isEmpty()) {
            throw new IllegalArgumentException(zip + " holds no jar");
        }
        List<Path> jars = new ArrayList<>();
        staged.keySet().forEach(f -> jars.add(out.resolve(f)));
        return jars;
    }

    private static boolean absent(String arg) {
        return arg.isBlank() || arg.equals("none");
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

}
