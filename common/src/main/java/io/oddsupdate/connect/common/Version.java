package io.oddsupdate.connect.common;

/** The bundle's version, from the jar manifest (the build's project version), for every plugin's {@code version()}. */
public final class Version {

    public static final String VERSION = read();

    private Version() {
    }

    private static String read() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
