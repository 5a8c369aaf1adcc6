package org.permerge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.ModelHash;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.HubertEncoder;

/**
 * A way to compute a dataset manifest's probe features somewhere other than this process (Apache Spark, in the
 * {@code spark} module), found at run time with {@link ServiceLoader} like
 * {@link org.permerge.correlate.StatisticsEngine}. An engine divides the clips into parts of whole batches, runs
 * {@link #extract} on each with the encoder loaded once, and puts the per-clip rows back in manifest order: the
 * result is what one {@link #extract} over every clip gives.
 */
public interface FeatureEngine {
    /** The name {@code features --engine} selects it by, e.g. {@code spark}. */
    String name();

    /** Computes the job's features, one row per clip of the manifest (its split), in manifest order. */
    LayerFeatures compute(Job job);

    /**
     * One feature run, described by paths and references every worker can read (nothing held in memory).
     *
     * @param model       the encoder as {@code features --model} names it ({@link org.permerge.checkpoint.ModelReference#FORMS})
     * @param modelSha256 its weights' {@link ModelHash#of content hash} as the caller read them; every worker must
     *                    read the same (null: not checked)
     * @param manifest    the dataset manifest
     * @param split       the manifest split to use, null for every clip
     * @param verifyAudio check each clip's sha256 against the manifest
     * @param batchSize   clips per forward pass; parts hold whole batches, so each clip is padded beside the same
     *                    clips as in one process
     * @param pooling     how each hidden state is pooled over a clip's frames
     * @param settings    the engine's own settings by name (for Spark: {@code master}, {@code partitions}, {@code spark.*})
     */
    record Job(String model, String modelSha256, Path manifest, String split, boolean verifyAudio, int batchSize, Pooling pooling,
               Map<String, String> settings) {
        public Job {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(pooling, "pooling");
            Objects.requireNonNull(manifest, "manifest");
            if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            settings = Map.copyOf(settings);
        }
    }

    /**
     * The probe features of clips, the one place every engine (and the single-process {@code features}) computes
     * them: the encoder is built once from the checkpoint and runs over the clips in batches of {@code batchSize}.
     */
    static LayerFeatures extract(EncoderCheckpoint model, List<Manifest.Clip> clips, int batchSize, String label, Pooling pooling) {
        try (HubertEncoder encoder = HubertEncoder.create(model.config(), model.weights())) {
            return ProbeFeatures.hiddenStates(encoder, model.preprocessor(), clips, batchSize, label, pooling);
        }
    }

    /**
     * The feature cache's key for a model's features of a manifest's clips: the weights' content hash
     * ({@link ModelHash#of}), the clips (manifest checksum and split) with the model's preprocessing, and the
     * pooling's {@link Pooling#featureKind() kind}.
     */
    static String cacheKey(String weightsSha256, EncoderCheckpoint model, Manifest manifest, String split, Pooling pooling) {
        return FeatureCache.key(weightsSha256,
                ModelHash.combine(manifest.checksum(), split == null ? "all" : "split " + split, model.preprocessor().toString()),
                pooling.featureKind());
    }

    /**
     * The engine of that name on the class path; refused, naming the engines found and how to build the Spark
     * module, when there is none.
     */
    static FeatureEngine find(String name) {
        List<String> found = new ArrayList<>();
        for (FeatureEngine e : ServiceLoader.load(FeatureEngine.class)) {
            if (e.name().equals(name)) return e;
            found.add(e.name());
        }
        throw new IllegalArgumentException("no feature engine '" + name + "' on the class path ("
                + (found.isEmpty() ? "none found" : "found: " + String.join(", ", found)) + ")"
                + ("spark".equals(name) ? "; build the Spark module with `mvn -B -DskipTests -pl spark -am package` from the"
                + " project root: ./permerge then adds spark/target/permerge-spark.jar and its dependencies" : ""));
    }
}
