package io.oddsupdate.connect.odds;

/** The plugin version, from the jar manifest (the build's project version). */
final class Version {

    static final String VERSION = read();

    private Version() {
    }

    private static String read() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
