package org.permerge.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.permerge.bench.Pooling;
import org.permerge.Version;
import org.permerge.audio.Manifest;
import org.permerge.bench.FeatureEngine;
import org.permerge.bench.LayerFeatures;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.ModelReference;
import org.permerge.model.EncoderCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code permerge features}: the benchmark's probe features of a dataset manifest (every hidden state of one
 * encoder, pooled per clip) written in the feature cache's file format, in this process or with
 * {@code --engine spark} on Apache Spark (the optional {@code spark} module, found at run time), which gives the
 * same rows.
 */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {"Probe features of a dataset manifest: every hidden state of an encoder, pooled per clip,",
                "one row per clip in manifest order, written in the feature cache's format (safetensors)."})
public final class FeaturesCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the encoder: " + ModelReference.FORMS)
    String model;

    @Option(names = "--manifest", required = true, description = "dataset manifest (JSON Lines)")
    Path manifest;

    @Option(names = "--split", description = "use only the clips of this split of the manifest")
    String split;

    @Option(names = "--out", required = true, description = "features file to write (safetensors: 'features' [clips, layers, dim], clip ids in the metadata)")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Option(names = "--no-verify", description = "skip the check of each clip's sha256 against the manifest")
    boolean noVerify;

    @Option(names = "--pooling", defaultValue = "mean+std", converter = PoolingConverter.class,
            description = "mean or mean+std of each hidden state over a clip's frames (default ${DEFAULT-VALUE}, the mini study's)")
    Pooling pooling;

    /** Reads {@code --pooling}. */
    static final class PoolingConverter implements picocli.CommandLine.ITypeConverter<Pooling> {
        @Override
        public Pooling convert(String value) {
            return Pooling.parse(value);
        }
    }

    @Option(names = "--batch-size", defaultValue = "8", description = "clips per forward pass (default ${DEFAULT-VALUE}, the studies')")
    int batchSize;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    @Override
    public Integer call() {
        new OutputPaths().model("--model", model).input("--manifest", manifest).file("--out", out, force);
        where.check();
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        // Before any work: an engine that is not there is named with how to build it.
        FeatureEngine found = where.local() ? null : FeatureEngine.find(where.engine);
        Manifest all = Manifest.read(manifest, Manifest.ReadOptions.defaults().withVerifyAudio(!noVerify));
        Manifest clips = split == null ? all : all.split(split);
        if (clips.size() == 0) {
            throw new IllegalArgumentException("no clips in " + manifest + (split != null ? " (split " + split + ")" : ""));
        }
        EncoderCheckpoint encoder = EncoderCheckpoint.load(model);
        String weights = ModelHash.of(encoder.weights());
        long t0 = System.nanoTime();
        LayerFeatures features;
        if (found == null) {
            features = FeatureEngine.extract(encoder, clips.clips(), batchSize, model, pooling);
        } else {
            Map<String, String> settings = where.settings();
            features = found.compute(new FeatureEngine.Job(model, weights, manifest, split, !noVerify, batchSize, pooling, settings));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String key = FeatureEngine.cacheKey(weights, encoder, all, split, pooling);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model);
        meta.put("model_weights_sha256", weights);
        meta.put("preprocessor", encoder.preprocessor().toString());
        meta.put("manifest", manifest.toAbsolutePath().normalize().toString());
        meta.put("manifest_sha256", all.checksum());
        meta.put("split", split == null ? "all" : split);
        meta.put("kind", pooling.featureKind());
        meta.put("batch_size", Integer.toString(batchSize));
        meta.put("created_by", "permerge " + Version.VERSION + " features" + (found == null ? "" : " --engine " + where.engine));
        // What FeatureCache#getOrCompute records: the file can be put in .cache/features as <cache_key>.safetensors.
        meta.put("cache_key", key);
        meta.put("permerge_version", Version.VERSION);
        features.save(out, meta);
        System.out.printf(java.util.Locale.ROOT, "%d clips × %d hidden states × %d units in %.1f s -> %s%n  cache key %s%n",
                features.clips(), features.layers(), features.dim(), seconds, out, key);
        return 0;
    }
}
