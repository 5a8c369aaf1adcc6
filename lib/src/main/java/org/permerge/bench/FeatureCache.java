package org.permerge.bench;

import org.permerge.checkpoint.ModelHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.permerge.Version;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.ModelHash;

/**
 * Pooled probe features on disk ({@code .cache/features/<key>.safetensors}), keyed by the content hash of the
 * model's weights, the manifest's checksum and the feature kind, so that re-running a table does not re-extract.
 */
public final class FeatureCache {
    private final Path dir;
    private int hits;
    private int misses;

    /** A cache in the given folder (created on first write). */
    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    /** The project's default cache: {@code <project>/.cache/features}. */
    public static FeatureCache inProject(Path projectRoot) {
        return new FeatureCache(projectRoot.resolve(".cache").resolve("features"));
    }

    public Path dir() {
        return dir;
    }

    /** The cache key of one model's features of one manifest. */
    public static String key(String modelHash, String manifestChecksum, String kind) {
        return ModelHash.combine("features-v1", modelHash, manifestChecksum, kind);
    }

    /**
     * The cached features under {@code key}, or computes, stores and returns them. A cache file that cannot be
     * read (truncated, wrong format) is recomputed rather than trusted.
     */
    public LayerFeatures getOrCompute(String key, Map<String, String> provenance, Supplier<LayerFeatures> compute) {
        Path file = dir.resolve(key + ".safetensors");
        if (Files.isRegularFile(file)) {
            try {
                LayerFeatures f = LayerFeatures.load(file);
                hits++;
                return f;
            } catch (CheckpointFormatException | IllegalArgumentException | java.io.UncheckedIOException e) {
                System.err.println("permerge: ignoring unreadable feature cache " + file + " (" + e.getMessage() + ")");
            }
        }
        LayerFeatures f = compute.get();
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put("cache_key", key);
        meta.put("permerge_version", Version.VERSION);
        f.save(file, meta);
        misses++;
        return f;
    }

    /** Lookups answered from disk so far. */
    public int hits() {
        return hits;
    }

    /** Lookups that had to compute so far. */
    public int misses() {
        return misses;
    }
}
