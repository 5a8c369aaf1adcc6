package org.permerge.testing;

import org.permerge.study.Project;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the reference fixtures committed in the repository ({@code data-manifests/fixtures}). */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The fixtures folder of the checkout under test: Maven passes the project folder as
     * {@code permerge.project.dir}; without it (an IDE run) the checkout above the working folder.
     */
    public static Path fixtures() {
        String p = System.getProperty("permerge.project.dir");
        Path dir = p != null && !p.isBlank()
                ? Path.of(p).resolve(Project.FIXTURES).toAbsolutePath().normalize()
                : Project.fixtures();
        if (!Files.isDirectory(dir.resolve("hf-hubert"))) {
            throw new IllegalStateException("reference fixtures not found at " + dir + " (expected hf-hubert/ there)");
        }
        return dir;
    }

    /** One of the tiny HuBERT fixture folders: "hubert-tiny-base" or "hubert-tiny-large". */
    public static Path hubert(String layout) {
        return fixtures().resolve("hf-hubert").resolve(layout);
    }
}
