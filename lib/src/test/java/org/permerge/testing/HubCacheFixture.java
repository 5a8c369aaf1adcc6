package org.permerge.testing;

import org.permerge.audio.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face hub cache laid out on disk as the Python tools lay it out ({@code models--org--name/blobs/<sha256>},
 * {@code snapshots/<commit>/<file>} as relative links to the blobs, {@code refs/main} naming the commit), holding a
 * local model folder under a repo id; and the offline setting that makes permerge use it, as system properties.
 */
public final class HubCacheFixture {
    /** The commit the fixture's {@code refs/main} names. */
    public static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final List<String> PROPERTIES = List.of("HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT");

    private HubCacheFixture() {}

    /** Puts {@code model}'s config.json and model.safetensors into a cache under {@code root} as {@code repo}. */
    public static Path lay(Path root, String repo, Path model) {
        try {
            Path dir = root.resolve("models--" + repo.replace("/", "--"));
            Path snap = Files.createDirectories(dir.resolve("snapshots").resolve(COMMIT));
            Files.createDirectories(dir.resolve("blobs"));
            for (String f : List.of("config.json", "model.safetensors")) {
                Path blob = dir.resolve("blobs").resolve(Manifest.sha256(model.resolve(f)));
                if (!Files.exists(blob)) Files.copy(model.resolve(f), blob);
                Files.createSymbolicLink(snap.resolve(f), snap.relativize(blob));
            }
            Files.createDirectories(dir.resolve("refs"));
            Files.writeString(dir.resolve("refs").resolve("main"), COMMIT);
            return snap;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes permerge resolve hub ids in the cache at {@code root} only (HF_HUB_OFFLINE=1, and an endpoint nothing
     * listens on). The process environment cannot be changed from Java: system properties of the same names stand in.
     */
    public static void useOffline(Path root) {
        System.setProperty("HF_HUB_CACHE", root.toString());
        System.setProperty("HF_HUB_OFFLINE", "1");
        System.setProperty("HF_ENDPOINT", "http://127.0.0.1:9");
    }

    /** Undoes {@link #useOffline}. */
    public static void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }
}
