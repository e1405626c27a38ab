package io.oddsupdate.connect.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Builds a worker {@code plugin.path} the way MSK Connect does: by unpacking our packaged plugin ZIPs
 * ({@code <module>/target/*-plugin.zip}), never from the test class path.
 *
 * <p>Integration tests run in Maven's {@code integration-test} phase, after {@code package}, with the module's own classes
 * removed from their class path (see the failsafe configuration in the root POM), so a plugin class a worker finds can only
 * have come from here.
 */
public final class PluginPath {

    private PluginPath() {
    }

    /** The repository root: the {@code oddsupdate.root} system property set by the build, else found from the working dir. */
    public static Path projectRoot() {
        String root = System.getProperty("oddsupdate.root");
        if (root != null && !root.isBlank()) {
            return Paths.get(root).toAbsolutePath().normalize();
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("build/plugin-assembly.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the project root (no build/plugin-assembly.xml above " + Paths.get("").toAbsolutePath() + ")");
        }
        return dir;
    }

    /** The packaged plugin ZIP of a module directory (e.g. {@code "smt"}); fails clearly if the module was not packaged. */
    public static Path pluginZip(String moduleDir) {
        Path target = projectRoot().resolve(moduleDir).resolve("target");
        List<Path> zips = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "*-plugin.zip")) {
                ds.forEach(zips::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (zips.size() != 1) {
            throw new IllegalStateException("expected exactly one *-plugin.zip in " + target + " but found " + zips
                    + "; run the build through the 'package' phase (mvn verify) first");
        }
        return zips.get(0);
    }

    /**
     * Unpacks the plugin ZIPs of the given module directories into a fresh directory and returns it, ready to be a
     * worker's {@code plugin.path}. Each ZIP holds one top-level directory, which becomes one isolated plugin.
     */
    public static Path of(String... moduleDirs) {
        List<Path> zips = new ArrayList<>();
        for (String m : moduleDirs) {
            zips.add(pluginZip(m));
        }
        return fromZips(zips);
    }

    /** Unpacks the given ZIPs into a fresh temporary directory (deleted at JVM exit). */
    public static Path fromZips(List<Path> zips) {
        try {
            Path dir = Files.createTempDirectory("plugin-path-");
            for (Path zip : zips) {
                unzip(zip, dir);
            }
            TempDirs.deleteOnExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void unzip(Path zip, Path into) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                Path out = into.resolve(e.getName()).normalize();
                if (!out.startsWith(into)) {
                    throw new IOException("zip entry escapes target dir: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
