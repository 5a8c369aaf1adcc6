package org.permerge.study;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project and its reference fixtures are, seen from a notebook's working folder. */
public final class Project {

    private Project() {}

    /**
     * The project root: {@code $PERMERGE_HOME} (the kernelspec sets it) or else the nearest folder
     * above the working folder that holds {@code lib/pom.xml} and the {@code permerge} launcher.
     */
    public static Path root() {
        String home = System.getenv("PERMERGE_HOME");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).toAbsolutePath().normalize();
            if (!isRoot(p)) {
                throw new IllegalStateException("PERMERGE_HOME=" + home + " is not a permerge checkout"
                        + " (expected lib/pom.xml and the permerge launcher there)");
            }
            return p;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (isRoot(p)) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the permerge project above " + Path.of("").toAbsolutePath()
                + ": set PERMERGE_HOME to the checkout");
    }

    private static boolean isRoot(Path p) {
        return Files.isRegularFile(p.resolve("lib/pom.xml")) && Files.isRegularFile(p.resolve("permerge"));
    }

    /** Where the reference fixtures live, relative to the project root. */
    public static final String FIXTURES = "data-manifests/fixtures";

    /**
     * The reference fixtures made by transformers and SciPy, committed with the project
     * ({@code data-manifests/fixtures}; provenance in its README).
     */
    public static Path fixtures() {
        Path p = root().resolve(FIXTURES);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("reference fixtures not found at " + p + " (a checkout holds them in " + FIXTURES + ")");
        }
        return p;
    }

    /** A folder for a notebook's results: {@code results/notebooks/<name>} under the project, created. */
    public static Path results(String name) {
        try {
            return Files.createDirectories(root().resolve("results/notebooks").resolve(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("creating results/notebooks/" + name, e);
        }
    }

    /** A study configuration: a built-in preset name such as {@code ci} or {@code mini}, or a file. */
    public static org.permerge.study.StudyConfig study(String nameOrFile) {
        return org.permerge.study.StudyConfig.load(nameOrFile);
    }
}
