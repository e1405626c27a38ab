package io.oddsupdate.connect.common;

import java.util.Objects;

/** The bundle's version, from the jar manifest (the build's project version), for every plugin's {@code version()}. */
public final class Version {

    public static final String VERSION = Objects.requireNonNullElse(Version.class.getPackage().getImplementationVersion(), "0.1.0-SNAPSHOT");

    private Version() {
    }
}
