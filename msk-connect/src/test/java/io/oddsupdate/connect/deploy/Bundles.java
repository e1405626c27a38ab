package io.oddsupdate.connect.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.oddsupdate.connect.testkit.PluginPath;

/** Where the packaged ZIPs are: one per plugin module, and the bundle built by this module. */
final class Bundles {

    /** The plugin modules, in the order of the root POM. */
    static final List<String> PLUGIN_MODULES = List.of("smt", "mirror-policies", "s3-sink-ext", "odds-connector", "clickhouse-sink");

    private Bundles() {
    }

    /**
     * The bundle ZIP this module packages, {@code msk-connect/target/odds-update-bundle-<release version>.zip}: the file
     * the buildspec uploads (the POM passes its path as {@code oddsupdate.bundle.zip}).
     */
    static Path bundleZip() {
        String configured = System.getProperty("oddsupdate.bundle.zip", "");
        Path zip = configured.isBlank() ? PluginPath.projectRoot().resolve("msk-connect/target/odds-update-bundle-" + version() + ".zip")
                : Path.of(configured);
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException(zip + " is missing: run the build through 'package' (mvn verify)");
        }
        return zip;
    }

    static String version() {
        String v = System.getProperty("oddsupdate.version");
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property oddsupdate.version is not set (msk-connect/pom.xml sets it for tests)");
        }
        return v;
    }

    /** A plugin module is packaged as a ZIP once it has {@code src/main/plugin/manifest.json} (see the root POM). */
    static boolean isPackaged(String module) {
        return Files.exists(PluginPath.projectRoot().resolve(module).resolve("src/main/plugin/manifest.json"));
    }

    /** The per-plugin ZIPs of the modules that are packaged today. */
    static List<Path> pluginZips() {
        List<Path> zips = new ArrayList<>();
        for (String m : PLUGIN_MODULES) {
            if (isPackaged(m)) {
                zips.add(PluginPath.pluginZip(m));
            }
        }
        return zips;
    }
}
