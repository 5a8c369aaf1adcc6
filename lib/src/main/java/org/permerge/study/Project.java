package org.permerge.study;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project and the shared reference fixtures are, seen from a notebook's working folder. */
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

    /**
     * The shared folder: {@code $PERMERGE_SHARED} or {@code -Dpermerge.shared.dir} when set, else the
     * nearest {@code shared/} holding {@code fixtures/} beside the project or beside a folder above it
     * (a git worktree sits one level deeper than the main checkout).
     */
    public static Path shared() {
        String set = System.getenv("PERMERGE_SHARED");
        if (set == null || set.isBlank()) {
            set = System.getProperty("permerge.shared.dir");
        }
        if (set != null && !set.isBlank()) {
            return Path.of(set).toAbsolutePath().normalize();
        }
        Path root = root();
        for (Path p = root.getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/fixtures"))) {
                return p.resolve("shared");
            }
        }
        return root.resolve("../shared").normalize();
    }

    /** The reference fixtures made by transformers and SciPy ({@code ../shared/fixtures}). */
    public static Path fixtures() {
        Path p = shared().resolve("fixtures");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("reference fixtures not found at " + p);
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

    /**
     * A study configuration (a built-in preset name such as {@code ci} or {@code mini}, or a file), with
     * paths into {@code ../shared} made absolute so it runs from any checkout, worktrees included.
     */
    public static org.permerge.study.StudyConfig study(String nameOrFile) {
        org.permerge.study.StudyConfig c = org.permerge.study.StudyConfig.load(nameOrFile);
        String json = c.toJson().replace("\"../shared/", "\"" + shared().toString().replace("\\", "/") + "/");
        return org.permerge.study.StudyConfig.parse(json, "study " + nameOrFile);
    }
}
