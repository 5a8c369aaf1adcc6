package org.permerge.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared reference fixtures (../shared/fixtures beside the project root). */
public final class Fixtures {
    private Fixtures() {}

    /** The shared folder; fails loudly when it is missing, since the tests compare against it. */
    public static Path shared() {
        String p = System.getProperty("permerge.shared.dir");
        Path dir = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        if (!Files.isDirectory(dir.resolve("fixtures"))) {
            dir = Path.of(System.getProperty("user.dir")).resolve("../../shared").normalize();
        }
        if (!Files.isDirectory(dir.resolve("fixtures"))) {
            throw new IllegalStateException("shared fixtures not found (looked for " + dir.toAbsolutePath()
                    + "/fixtures); run the tests from the project with ../shared beside it");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path fixtures() {
        return shared().resolve("fixtures");
    }

    /** One of the tiny HuBERT fixture folders: "hubert-tiny-base" or "hubert-tiny-large". */
    public static Path hubert(String layout) {
        return fixtures().resolve("hf-hubert").resolve(layout);
    }
}
