package org.permerge;

/** The library's version and build identity, recorded in every result's provenance. */
public final class Version {
    /** Library version; bump together with the Maven project version. */
    public static final String VERSION = "0.1.0";

    private Version() {}
}
